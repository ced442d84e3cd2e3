//! Response and error-body decoders: `serde_json::from_slice::<T>` for every type the client
//! decodes from a response body must never panic, and whatever decodes must round-trip:
//! serialize it, decode that again, and get an equal value (and the same bytes when serialized
//! once more).
//!
//! Each input is tried twice: as raw bytes (what a proxy or a broken server may send), and as
//! the seed of a structured JSON document built from the schema's field names and enum values
//! (so that the decoders get past the first `{` often enough to exercise nested types, open
//! enums, integer ranges, `null`s, duplicate keys, escapes and truncation).

use std::fmt::Debug;

use arbitrary::Unstructured;
use dbss_types::{
    CreateReportResponse, DbssError, DeleteAuditReportResponse, ListAuditInstancesLastResponse,
    ListAuditReportTemplatesResponse, ListAuditReportsResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::input::{any_string, one_in, pick, upto};

/// Every field name of the response types (so that generated objects hit real fields).
const KEYS: &[&str] = &[
    "error_code",
    "error_msg",
    "details",
    "encoded_authorization_message",
    "result",
    "status",
    "reports",
    "report",
    "templates",
    "template",
    "instances",
    "total",
    "os_type",
    "id",
    "name",
    "type",
    "type_",
    "url",
    "format",
    "percentum",
    "template_type",
    "db_ids",
    "db_names",
    "start_time",
    "end_time",
    "finish_time",
    "desc",
    "frequency",
    "group",
    "charge_model",
    "comment",
    "config_num",
    "connect_ip",
    "connect_ipv6",
    "cpu",
    "created",
    "database_limit",
    "effect",
    "expired",
    "keep_days",
    "new_version",
    "port_id",
    "ram",
    "region",
    "remain_days",
    "resource_id",
    "resource_spec_code",
    "scene",
    "security_group_id",
    "specification",
    "subnet_id",
    "supported_feature",
    "task",
    "version",
    "vpc_id",
    "zone",
    "unknown_field",
    "",
];

/// Enum values of the document, near misses and other strings.
const STRINGS: &[&str] = &[
    "success",
    "failed",
    "SUCCESS",
    "FAILED",
    "Success",
    "pdf",
    "zip",
    "PDF",
    "ZIP",
    "AUDIT_REPORT_REAL_TIME",
    "AUDIT_REPORT_DAY",
    "COMPREHENSIVE",
    "COMPLIANCE",
    "SOX",
    "ON",
    "OFF",
    "ACTIVE",
    "SHUTOFF",
    "Period",
    "Demand",
    "DBSS.XXXX",
    "2025-08-20 16:00:00",
    "",
    "\u{0}",
    "\\u0000",
    "é",
    "\u{1F600}",
];

/// A JSON scalar as text.
fn scalar(u: &mut Unstructured<'_>) -> String {
    match upto(u, 11) {
        0 => "null".to_owned(),
        1 => pick(u, &["true", "false"]).to_owned(),
        2 => u.arbitrary::<i64>().unwrap_or(0).to_string(),
        3 => u.arbitrary::<i32>().unwrap_or(0).to_string(),
        4 => pick(
            u,
            &[
                "0",
                "-0",
                "1",
                "-1",
                "2147483647",
                "2147483648",
                "-2147483648",
                "-2147483649",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775809",
                "18446744073709551616",
                "1e2",
                "1.0",
                "1E400",
                "-0.0",
                "0x10",
                "01",
                "NaN",
                "Infinity",
            ],
        )
        .to_owned(),
        5 => u.arbitrary::<f64>().map_or("0.5".to_owned(), |f| {
            serde_json::to_string(&f).unwrap_or_else(|_| "0.5".to_owned())
        }),
        // A raw string literal with escapes, possibly invalid ones (\x, lone surrogates).
        6 => {
            let body = crate::input::pieces(
                u,
                &[
                    "a",
                    "\\\"",
                    "\\\\",
                    "\\n",
                    "\\u00e9",
                    "\\ud83d\\ude00",
                    "\\ud800",
                    "\\udc00",
                    "\\x",
                    "\\u12",
                    "é",
                    "\t",
                ],
                8,
            );
            format!("\"{body}\"")
        }
        7 | 8 => serde_json::to_string(pick(u, STRINGS)).unwrap_or_default(),
        _ => serde_json::to_string(&any_string(u, 12)).unwrap_or_default(),
    }
}

/// A JSON value as text, nested at most `depth` levels.
fn value(u: &mut Unstructured<'_>, depth: usize) -> String {
    if depth == 0 {
        return scalar(u);
    }
    match upto(u, 5) {
        0 | 1 => object(u, depth),
        2 => {
            let n = upto(u, 4);
            let items: Vec<String> = (0..n).map(|_| value(u, depth - 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => scalar(u),
    }
}

/// A JSON object as text; keys mostly from the schema and possibly repeated.
fn object(u: &mut Unstructured<'_>, depth: usize) -> String {
    let n = upto(u, 6);
    let mut members = Vec::with_capacity(n);
    for _ in 0..n {
        let key = if one_in(u, 8) {
            any_string(u, 8)
        } else {
            pick(u, KEYS).to_owned()
        };
        let key = serde_json::to_string(&key).unwrap_or_default();
        let ws = pick(u, &["", " ", "\n", "\t", "\r\n "]);
        members.push(format!(
            "{key}{ws}:{ws}{}",
            value(u, depth.saturating_sub(1))
        ));
    }
    format!("{{{}}}", members.join(","))
}

/// A JSON document near the response schemas, sometimes truncated or with trailing bytes.
pub fn document(u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut text = if one_in(u, 8) {
        value(u, 4)
    } else {
        object(u, 4)
    }
    .into_bytes();
    match upto(u, 9) {
        0 => {
            let cut = upto(u, text.len());
            text.truncate(cut);
        }
        1 => text.extend_from_slice(pick(u, &[" ", "\n", "x", "}", ",", "\u{0}", "{}"]).as_bytes()),
        2 => text
            .splice(0..0, pick(u, &["\u{feff}", " ", "\n"]).bytes())
            .for_each(drop),
        _ => {}
    }
    text
}

/// Decodes `bytes` as `T`; if that succeeds, checks the round trip.
fn round_trip<T>(what: &str, bytes: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let Ok(decoded) = serde_json::from_slice::<T>(bytes) else {
        return;
    };
    let encoded = serde_json::to_vec(&decoded)
        .unwrap_or_else(|e| panic!("{what}: a decoded value does not serialize: {e}\n{decoded:?}"));
    let again: T = serde_json::from_slice(&encoded).unwrap_or_else(|e| {
        panic!(
            "{what}: its own serialization does not decode: {e}\ninput: {:?}\nserialized: {}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&encoded)
        )
    });
    assert_eq!(
        again,
        decoded,
        "{what}: round trip changed the value; input {:?}",
        String::from_utf8_lossy(bytes)
    );
    let encoded_again = serde_json::to_vec(&again).unwrap_or_default();
    assert_eq!(
        encoded_again, encoded,
        "{what}: serialization is not stable"
    );
}

/// All decoders over one body.
pub fn check_body(bytes: &[u8]) {
    round_trip::<DbssError>("DbssError", bytes);
    round_trip::<CreateReportResponse>("CreateReportResponse", bytes);
    round_trip::<ListAuditReportsResponse>("ListAuditReportsResponse", bytes);
    round_trip::<ListAuditReportTemplatesResponse>("ListAuditReportTemplatesResponse", bytes);
    round_trip::<DeleteAuditReportResponse>("DeleteAuditReportResponse", bytes);
    round_trip::<ListAuditInstancesLastResponse>("ListAuditInstancesLastResponse", bytes);
}

/// The fuzz target: `data` as a raw body, then as the seed of a structured document.
pub fn check(data: &[u8]) {
    check_body(data);
    let mut u = Unstructured::new(data);
    let doc = document(&mut u);
    check_body(&doc);
}
