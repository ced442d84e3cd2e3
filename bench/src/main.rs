//! `dbss-bench`: the load, download and signing benchmarks of the DBSS SDK.
//!
//! ```text
//! dbss-bench server [--port P] [--report-size BYTES]
//! dbss-bench load --url URL --client sdk|bare|signed|hyper [--op create|list|delete] [--requests N] [--concurrency 1,32] [--warmup W]
//! dbss-bench download --url URL --client sdk|bare --out PATH
//! dbss-bench throttle [--limit 200] [--tasks 256] [--warmup 5] [--seconds 20] --rate-limit adaptive|off
//! dbss-bench sign-time [--iterations N] [--rounds R]
//! dbss-bench sign-loop [--iterations N]
//! dbss-bench report --results FILE --out BENCHMARKS.md [--machine KEY=VALUE ...]
//! ```
//!
//! Every result is printed as one JSON line on stdout; `bench/run.sh` collects them and calls
//! `report`. Only loopback addresses are used: the server binds 127.0.0.1 and `--url` must be a
//! loopback URL.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use dbss_bench::{download, load, report, server, signing, throttle};
use serde_json::json;

/// `--key value` arguments after the subcommand; a key may repeat (the last wins, except for
/// `--machine`, which collects).
struct Args {
    values: HashMap<String, Vec<String>>,
}

impl Args {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        let mut it = args.iter();
        while let Some(key) = it.next() {
            let key = key
                .strip_prefix("--")
                .ok_or_else(|| format!("expected --option, got {key:?}"))?;
            let value = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
            values
                .entry(key.to_owned())
                .or_default()
                .push(value.clone());
        }
        Ok(Self { values })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    fn all(&self, key: &str) -> &[String] {
        self.values.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    fn required(&self, key: &str) -> Result<&str, String> {
        self.get(key).ok_or_else(|| format!("--{key} is required"))
    }

    fn number<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T, String> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{key}: not a number: {v:?}")),
        }
    }
}

/// Refuses anything but a loopback URL: the benchmarks send load, and load goes to this machine
/// only.
fn loopback_url(url: &str) -> Result<&str, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--url must be http://127.0.0.1:PORT")?;
    let host = rest.split([':', '/']).next().unwrap_or("");
    if host == "127.0.0.1" || host == "localhost" || host == "[::1]" {
        Ok(url.trim_end_matches('/'))
    } else {
        Err(format!("--url must be a loopback address, not {host:?}"))
    }
}

/// A single-threaded runtime: `bench/run.sh` pins each process to one core, where more worker
/// threads would only take turns.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn cmd_server(args: &Args) -> Result<(), String> {
    let port: u16 = args.number("port", 0)?;
    let report_size: u64 = args.number("report-size", 1 << 30)?;
    runtime()?.block_on(async {
        let (listener, addr) = server::bind(port).await.map_err(|e| e.to_string())?;
        // The first line tells the script where to connect.
        println!("listening on http://{addr}");
        server::serve(listener, server::ServerConfig { report_size })
            .await
            .map_err(|e| e.to_string())
    })
}

fn cmd_load(args: &Args) -> Result<(), String> {
    let url = loopback_url(args.required("url")?)?;
    let requests: usize = args.number("requests", 20_000)?;
    let warmup: usize = args.number("warmup", requests / 10)?;
    let concurrencies: Vec<usize> = args
        .get("concurrency")
        .unwrap_or("1,32")
        .split(',')
        .map(|c| {
            c.trim()
                .parse()
                .map_err(|_| format!("bad concurrency {c:?}"))
        })
        .collect::<Result<_, _>>()?;
    let client = match args.required("client")? {
        "sdk" => load::LoadClient::sdk(url)?,
        "bare" => load::LoadClient::bare(url)?,
        "signed" => load::LoadClient::signed(url)?,
        "hyper" => load::LoadClient::hyper(url)?,
        other => {
            return Err(format!(
                "unknown client {other:?} (sdk, bare, signed or hyper)"
            ));
        }
    };
    let client = Arc::new(client);
    let op = load::LoadOp::parse(args.get("op").unwrap_or("create"))?;
    let rt = runtime()?;
    for concurrency in concurrencies {
        let result = rt.block_on(load::run(
            Arc::clone(&client),
            op,
            requests,
            concurrency,
            warmup,
        ))?;
        println!(
            "{}",
            json!({
                "kind": "load",
                "op": op.name(),
                "client": client.name(),
                "concurrency": concurrency,
                "requests": result.requests,
                "seconds": result.elapsed.as_secs_f64(),
                "rps": result.requests_per_sec(),
                "p50_us": result.percentile(0.50).as_secs_f64() * 1e6,
                "p99_us": result.percentile(0.99).as_secs_f64() * 1e6,
                "cpu_us_per_request": result.cpu_us_per_request(),
            })
        );
    }
    Ok(())
}

fn cmd_download(args: &Args) -> Result<(), String> {
    let url = loopback_url(args.required("url")?)?;
    let out = PathBuf::from(args.required("out")?);
    let client = args.required("client")?;
    let rt = runtime()?;
    let result = match client {
        "sdk" => rt.block_on(download::sdk(url, &out))?,
        "bare" => rt.block_on(download::bare(url, &out))?,
        other => return Err(format!("unknown client {other:?} (sdk or bare)")),
    };
    println!(
        "{}",
        json!({
            "kind": "download",
            "client": client,
            "bytes": result.bytes,
            "seconds": result.elapsed.as_secs_f64(),
            "mib_s": result.mib_per_sec(),
            "peak_rss_kib": download::peak_rss_kib(),
        })
    );
    Ok(())
}

fn cmd_throttle(args: &Args) -> Result<(), String> {
    let (rate_limit, name) = match args.required("rate-limit")? {
        "adaptive" => (dbss_client::RateLimit::Adaptive, "adaptive"),
        "off" => (dbss_client::RateLimit::Off, "off"),
        other => return Err(format!("unknown --rate-limit {other:?} (adaptive or off)")),
    };
    let config = throttle::ThrottleConfig {
        limit: args.number("limit", 200)?,
        tasks: args.number("tasks", 256)?,
        warmup: std::time::Duration::from_secs_f64(args.number("warmup", 5.0)?),
        measure: std::time::Duration::from_secs_f64(args.number("seconds", 20.0)?),
        rate_limit,
    };
    // Worker threads: the mock and the client tasks share this runtime.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = rt.block_on(throttle::run(config))?;
    println!(
        "{}",
        json!({
            "kind": "throttle",
            "rate_limit": name,
            "limit": config.limit,
            "tasks": config.tasks,
            "seconds": result.seconds,
            "completed": result.completed,
            "failed": result.failed,
            "sent": result.sent,
            "throttled": result.throttled,
            "completed_per_s": result.completed_per_sec(),
            "throttled_share": result.throttled_share(),
        })
    );
    Ok(())
}

fn cmd_sign_time(args: &Args) -> Result<(), String> {
    let iterations: u64 = args.number("iterations", 2_000)?;
    let rounds: u32 = args.number("rounds", 500)?;
    let per = signing::time_per_signature(iterations, rounds);
    println!(
        "{}",
        json!({
            "kind": "sign",
            "ns_per_signature": per.as_secs_f64() * 1e9,
            "loops": rounds,
            "iterations": iterations,
        })
    );
    Ok(())
}

fn cmd_sign_loop(args: &Args) -> Result<(), String> {
    let iterations: u64 = args.number("iterations", 1000)?;
    let input = signing::SignInput::new();
    let sum = signing::sign_loop(&input, iterations);
    println!(
        "{}",
        json!({"kind": "sign-loop", "iterations": iterations, "checksum": sum})
    );
    Ok(())
}

fn cmd_report(args: &Args) -> Result<(), String> {
    let results = PathBuf::from(args.required("results")?);
    let out = PathBuf::from(args.required("out")?);
    let machine: Vec<(String, String)> = args
        .all("machine")
        .iter()
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect();
    let text =
        std::fs::read_to_string(&results).map_err(|e| format!("{}: {e}", results.display()))?;
    let tables = report::render(&text, &machine)?;
    println!("{tables}");
    report::write_into(&out, &tables).map_err(|e| format!("{}: {e}", out.display()))
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        eprintln!(
            "usage: dbss-bench server|load|download|throttle|sign-time|sign-loop|report [--options]"
        );
        return ExitCode::from(2);
    };
    let result = Args::parse(rest).and_then(|args| match command.as_str() {
        "server" => cmd_server(&args),
        "load" => cmd_load(&args),
        "download" => cmd_download(&args),
        "throttle" => cmd_throttle(&args),
        "sign-time" => cmd_sign_time(&args),
        "sign-loop" => cmd_sign_loop(&args),
        "report" => cmd_report(&args),
        other => Err(format!("unknown command {other:?}")),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dbss-bench {command}: {e}");
            ExitCode::FAILURE
        }
    }
}
