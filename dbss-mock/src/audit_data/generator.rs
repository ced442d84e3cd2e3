//! The generator: every audited SQL statement of an instance is a pure function of (seed,
//! instance id, row index), so a million rows cost nothing until a request reads them.
//!
//! Row times are non-decreasing in the index over the data window (see [`Timeline`]), so a
//! time filter is an index range found by binary search; every other field comes from one
//! 64-bit hash of the row's index, sliced into independent picks.

use std::ops::Range;

use super::window::Window;
use super::{DbInfo, InstanceContext};

/// The SplitMix64 finalizer: a well-mixed 64-bit hash of `z`.
pub(crate) fn mix(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of an instance's data: the seed and the instance id, hashed (FNV-1a, then mixed).
pub(crate) fn instance_key(seed: u64, instance_id: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in instance_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    mix(h ^ mix(seed))
}

/// The sum of weights.
const fn total(weights: &[u32]) -> u64 {
    let mut sum = 0;
    let mut i = 0;
    while i < weights.len() {
        sum += weights[i] as u64;
        i += 1;
    }
    sum
}

/// Picks an index from weights (summing to `total`) with any `r`.
fn weighted(weights: &[u32], total: u64, r: u64) -> usize {
    let mut r = if total == 0 { 0 } else { r % total };
    for (i, &w) in weights.iter().enumerate() {
        if r < u64::from(w) {
            return i;
        }
        r -= u64::from(w);
    }
    0
}

/// `n` things spread over `[start_ms, end_ms)`: thing `i` happens at [`at`](Self::at), which
/// never decreases with `i` (a base time proportional to `i` plus a jitter smaller than the
/// step between two bases).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeline {
    pub start_ms: i64,
    pub span_ms: u64,
    pub count: u64,
    pub salt: u64,
}

impl Timeline {
    /// The time of thing `i` in epoch milliseconds.
    pub fn at(&self, i: u64) -> i64 {
        let count = u128::from(self.count.max(1));
        let base = (u128::from(i) * u128::from(self.span_ms) / count) as i64;
        let step = self.span_ms / self.count.max(1);
        let jitter = if step > 1 {
            (mix(self.salt ^ i) % step) as i64
        } else {
            0
        };
        self.start_ms.saturating_add(base).saturating_add(jitter)
    }

    /// The indexes of the things at `from_ms..=to_ms`.
    pub fn range(&self, from_ms: i64, to_ms: i64) -> Range<u64> {
        let lo = self.first(|t| t >= from_ms);
        let hi = self.first(|t| t > to_ms);
        lo..hi.max(lo)
    }

    /// The first index whose time satisfies `pred` (monotonic), or `count`.
    fn first(&self, pred: impl Fn(i64) -> bool) -> u64 {
        let (mut lo, mut hi) = (0u64, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.at(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }
}

/// The query types generated, with their weights in a thousand rows (`ALL` is a filter value
/// only, never a row's type).
pub(crate) const QUERY_TYPES: [(&str, u32); 15] = [
    ("LOGIN", 50),
    ("SELECT", 540),
    ("SELECT_FOR_UPDATE", 20),
    ("INSERT", 140),
    ("INSERT_SELECT", 10),
    ("UPDATE", 120),
    ("DELETE", 40),
    ("CREATE_TABLE", 8),
    ("DROP_TABLE", 4),
    ("CREATE_TABLESPACE", 1),
    ("DROP_TABLESPACE", 1),
    ("CREATE_USER", 3),
    ("DROP_USER", 2),
    ("GRANT", 6),
    ("OPERATE", 55),
];

/// The weights of [`QUERY_TYPES`] alone, and their sum.
const QUERY_WEIGHTS: [u32; 15] = {
    let mut w = [0; 15];
    let mut i = 0;
    while i < 15 {
        w[i] = QUERY_TYPES[i].1;
        i += 1;
    }
    w
};
const QUERY_TOTAL: u64 = total(&QUERY_WEIGHTS);
const USER_TOTAL: u64 = total(&USER_WEIGHTS);

/// Indexes into [`QUERY_TYPES`].
pub(crate) mod kind {
    pub const LOGIN: usize = 0;
    pub const SELECT: usize = 1;
    pub const SELECT_FOR_UPDATE: usize = 2;
    pub const INSERT: usize = 3;
    pub const INSERT_SELECT: usize = 4;
    pub const UPDATE: usize = 5;
    pub const DELETE: usize = 6;
    pub const CREATE_TABLE: usize = 7;
    pub const DROP_TABLE: usize = 8;
    pub const CREATE_TABLESPACE: usize = 9;
    pub const DROP_TABLESPACE: usize = 10;
    pub const CREATE_USER: usize = 11;
    pub const DROP_USER: usize = 12;
    pub const GRANT: usize = 13;
    pub const OPERATE: usize = 14;
}

/// The risk levels of the document's enum, in the order the statistics count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Risk {
    High,
    Medium,
    Low,
    Safe,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::High => "HIGH",
            Risk::Medium => "MEDIUM",
            Risk::Low => "LOW",
            Risk::Safe => "NO_RISK",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        [Risk::High, Risk::Medium, Risk::Low, Risk::Safe]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A risk rule a statement can hit.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub rule_type: &'static str,
    pub risk: Risk,
}

/// The risk rules, each hit by one kind of statement (see [`Dataset::sql`]).
pub(crate) const RULES: [Rule; 7] = [
    Rule {
        id: "rule-sql-injection-01",
        name: "SQL injection",
        rule_type: "SQL_INJECTION",
        risk: Risk::High,
    },
    Rule {
        id: "rule-drop-object-0002",
        name: "Drop table or tablespace",
        rule_type: "RISK_OPERATION",
        risk: Risk::High,
    },
    Rule {
        id: "rule-delete-no-where3",
        name: "Delete without WHERE",
        rule_type: "RISK_OPERATION",
        risk: Risk::High,
    },
    Rule {
        id: "rule-privilege-chg04",
        name: "Privilege change",
        rule_type: "RISK_OPERATION",
        risk: Risk::Medium,
    },
    Rule {
        id: "rule-mass-export-005",
        name: "Mass data export",
        rule_type: "RISK_OPERATION",
        risk: Risk::Medium,
    },
    Rule {
        id: "rule-sensitive-read06",
        name: "Sensitive table access",
        rule_type: "RISK_OPERATION",
        risk: Risk::Low,
    },
    Rule {
        id: "rule-login-failure-07",
        name: "Login failure",
        rule_type: "LOGIN",
        risk: Risk::Low,
    },
];

/// Index of the SQL injection rule in [`RULES`] (the injection statistics count its hits).
pub(crate) const INJECTION_RULE: usize = 0;
const DROP_RULE: usize = 1;
const DELETE_ALL_RULE: usize = 2;
const PRIVILEGE_RULE: usize = 3;
const EXPORT_RULE: usize = 4;
const SENSITIVE_RULE: usize = 5;
const LOGIN_FAILURE_RULE: usize = 6;

/// Business domains of the invented databases, with their tables (the first two of each are
/// the sensitive ones).
const DOMAINS: [(&str, [&str; 5]); 6] = [
    (
        "orders",
        [
            "customers",
            "payments",
            "orders",
            "order_items",
            "shipments",
        ],
    ),
    (
        "billing",
        [
            "accounts",
            "card_tokens",
            "invoices",
            "ledger_entries",
            "tariffs",
        ],
    ),
    (
        "crm",
        [
            "contacts",
            "id_documents",
            "leads",
            "opportunities",
            "campaigns",
        ],
    ),
    (
        "hr",
        [
            "salaries",
            "employees",
            "departments",
            "attendance",
            "positions",
        ],
    ),
    (
        "inventory",
        [
            "supplier_contracts",
            "suppliers",
            "products",
            "stock_levels",
            "warehouses",
        ],
    ),
    (
        "portal",
        [
            "user_credentials",
            "users",
            "sessions",
            "articles",
            "comments",
        ],
    ),
];

/// Database types invented databases get, with their default ports, admin users and engine
/// labels.
const DB_TYPES: [(&str, u16, &str); 6] = [
    ("MYSQL", 3306, "root"),
    ("POSTGRESQL", 5432, "postgres"),
    ("ORACLE", 1521, "SYSTEM"),
    ("SQLSERVER", 1433, "sa"),
    ("TAURUS", 3306, "root"),
    ("GAUSSDBOPENGAUSS", 8000, "rdsAdmin"),
];

/// How users of a database are picked, in a hundred statements.
const USER_WEIGHTS: [u32; 5] = [45, 20, 15, 12, 8];

/// The client a user connects from: group of [`CLIENT_GROUPS`] per user of [`USER_WEIGHTS`].
const USER_CLIENT_GROUP: [usize; 5] = [0, 0, 1, 1, 2];

/// Client groups: (first client, clients, host name prefix, tool, OS, OS user).
const CLIENT_GROUPS: [(usize, usize, &str, &str, &str, &str); 3] = [
    (0, 8, "app-server", "JDBC 4.2", "Linux", "app"),
    (
        8,
        4,
        "bi-report",
        "Tableau 2023.3",
        "Windows Server 2019",
        "svc_bi",
    ),
    (
        12,
        4,
        "dba-workstation",
        "DBeaver 24.1",
        "Windows 11",
        "dba",
    ),
];

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A `len`-character base62 string from `h` (and more hashing when 64 bits run out).
pub(crate) fn base62(mut h: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    for i in 0..len {
        if i % 10 == 9 {
            h = mix(h);
        }
        out.push(char::from(BASE62[(h % 62) as usize]));
        h /= 62;
    }
    out
}

/// A database of the instance as the generator uses it.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pub info: DbInfo,
    /// `{name}-{type}-NN`, the `db_instance` of the rows.
    pub label: String,
    pub tables: [&'static str; 5],
    pub users: [String; 5],
    pub mac: String,
}

/// A client host.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub ip: String,
    pub name: String,
    pub tool: &'static str,
    pub os: &'static str,
    pub os_user: &'static str,
    pub mac: String,
}

/// Everything an instance's rows are made from.
#[derive(Debug)]
pub(crate) struct Dataset {
    pub key: u64,
    pub sql: Timeline,
    pub alarms: Timeline,
    pub oplogs: Timeline,
    pub dbs: Vec<Db>,
    pub clients: Vec<Client>,
}

/// One audited SQL statement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SqlRow {
    pub index: u64,
    pub hash: u64,
    pub db: usize,
    pub user: usize,
    pub client: usize,
    pub kind: usize,
    pub risk: Risk,
    pub rule: Option<usize>,
    pub failed: bool,
    pub table: usize,
}

fn mac(h: u64) -> String {
    let b = h.to_be_bytes();
    format!("fa:16:3e:{:02x}:{:02x}:{:02x}", b[5], b[6], b[7])
}

fn invent_databases(key: u64) -> Vec<DbInfo> {
    let count = 2 + (key % 3) as usize;
    let subnet = 10 + (key >> 8) % 200;
    (0..count)
        .map(|i| {
            let h = mix(key ^ 0xDB ^ (i as u64).wrapping_mul(0x1_0000_0001));
            let domain = DOMAINS[((key >> 16) as usize + i) % DOMAINS.len()].0;
            let (db_type, port, _) = DB_TYPES[(h % DB_TYPES.len() as u64) as usize];
            DbInfo {
                id: base62(h, 20),
                name: domain.to_owned(),
                db_type: db_type.to_owned(),
                ip: format!("192.168.{subnet}.{}", 11 + i * 10 + (h >> 32) as usize % 5),
                port,
            }
        })
        .collect()
}

impl Dataset {
    /// The data of the instance of `ctx`: `counts` statements, alarms and operation logs over
    /// the `data` window.
    pub fn new(seed: u64, ctx: &InstanceContext, counts: [u64; 3], data: Window) -> Self {
        let key = instance_key(seed, &ctx.id);
        let infos = if ctx.databases.is_empty() {
            invent_databases(key)
        } else {
            ctx.databases.clone()
        };
        let dbs = infos
            .into_iter()
            .enumerate()
            .map(|(i, info)| {
                let h = instance_key(key, &info.name);
                let tables = DOMAINS
                    .iter()
                    .find(|(d, _)| *d == info.name)
                    .unwrap_or(&DOMAINS[(h % DOMAINS.len() as u64) as usize])
                    .1;
                let admin = DB_TYPES
                    .iter()
                    .find(|(t, _, _)| *t == info.db_type)
                    .map_or("admin", |t| t.2);
                let short = info.db_type.to_ascii_lowercase();
                let users = [
                    format!("app_{}", info.name),
                    format!("{}_ro", info.name),
                    "report_svc".to_owned(),
                    "etl_batch".to_owned(),
                    admin.to_owned(),
                ];
                Db {
                    label: format!("{}-{short}-{:02}", info.name, i + 1),
                    tables,
                    users,
                    mac: mac(h),
                    info,
                }
            })
            .collect();
        let net = 1 + (key >> 24) % 250;
        let clients = CLIENT_GROUPS
            .iter()
            .enumerate()
            .flat_map(|(g, &(first, n, prefix, tool, os, os_user))| {
                (0..n).map(move |k| {
                    let h = mix(key ^ 0xC1 ^ (first + k) as u64);
                    Client {
                        ip: format!("10.{net}.{}.{}", g + 1, 20 + k * 7 + (h % 5) as usize),
                        name: format!("{prefix}-{:02}", k + 1),
                        tool,
                        os,
                        os_user,
                        mac: mac(h),
                    }
                })
            })
            .collect();
        let span = u64::try_from(data.to_ms.saturating_sub(data.from_ms)).unwrap_or(0);
        let timeline = |count: u64, salt: u64| Timeline {
            start_ms: data.from_ms,
            span_ms: span,
            count,
            salt: mix(key ^ salt),
        };
        Dataset {
            key,
            sql: timeline(counts[0], 0x5A1),
            alarms: timeline(counts[1], 0xA1A),
            oplogs: timeline(counts[2], 0x0B1),
            dbs,
            clients,
        }
    }

    /// Statement `i` (its text is [`statement`](Self::statement)).
    pub fn sql(&self, i: u64) -> SqlRow {
        let h = mix(self.key ^ i.wrapping_mul(0xA24B_AED4_963E_E407));
        let kind = weighted(&QUERY_WEIGHTS, QUERY_TOTAL, h & 0xFFFF);
        let db = ((h >> 16) & 0xFF) as usize % self.dbs.len().max(1);
        let user = weighted(&USER_WEIGHTS, USER_TOTAL, (h >> 24) & 0xFF);
        let (first, n, ..) = CLIENT_GROUPS[USER_CLIENT_GROUP[user]];
        let client = first + ((h >> 32) & 0xF) as usize % n;
        let roll = (h >> 36) & 0x3FF; // 0..1024
        let failed = if kind == kind::LOGIN {
            roll < 80
        } else {
            roll < 15
        };
        let table = ((h >> 46) & 0xF) as usize % 5;
        let pick = (h >> 50) & 0x3FF;
        let rule = match kind {
            kind::LOGIN if failed => Some(LOGIN_FAILURE_RULE),
            kind::DROP_TABLE | kind::DROP_TABLESPACE => Some(DROP_RULE),
            kind::GRANT | kind::CREATE_USER | kind::DROP_USER => Some(PRIVILEGE_RULE),
            kind::DELETE if pick < 30 => Some(DELETE_ALL_RULE),
            kind::SELECT if pick < 5 => Some(INJECTION_RULE),
            kind::SELECT if pick < 25 && (2..4).contains(&user) => Some(EXPORT_RULE),
            kind::SELECT if pick < 120 && table < 2 => Some(SENSITIVE_RULE),
            _ => None,
        };
        SqlRow {
            index: i,
            hash: h,
            db,
            user,
            client,
            kind,
            risk: rule.map_or(Risk::Safe, |r| RULES[r].risk),
            rule,
            failed,
            table,
        }
    }

    /// When a row's statement ran, in epoch milliseconds (not a field of [`SqlRow`]: the
    /// filters and counts do not need it).
    pub fn time_ms(&self, row: &SqlRow) -> i64 {
        self.sql.at(row.index)
    }

    /// The database of a row (there is always at least one: invented ones when none are
    /// given).
    pub fn db(&self, row: &SqlRow) -> Option<&Db> {
        self.dbs.get(row.db)
    }

    /// The database user of a row.
    pub fn user<'a>(&'a self, row: &SqlRow) -> &'a str {
        self.db(row)
            .and_then(|d| d.users.get(row.user))
            .map_or("", String::as_str)
    }

    /// The table a row works on.
    pub fn table(&self, row: &SqlRow) -> &'static str {
        self.db(row)
            .and_then(|d| d.tables.get(row.table))
            .copied()
            .unwrap_or("t")
    }

    /// The SQL text of a row, by its type (and its rule: an injection reads like one).
    pub fn statement(&self, row: &SqlRow) -> String {
        let t = self.table(row);
        let h = mix(row.hash);
        let id = 1000 + h % 900_000;
        let n = (h >> 20) % 500;
        let time_ms = self.time_ms(row);
        let day = || super::window::format_ms(time_ms.saturating_sub(86_400_000));
        let date = || day().get(..10).unwrap_or("2025-01-01").to_owned();
        let compact = || date().replace('-', "");
        match row.kind {
            kind::LOGIN => format!("LOGIN {}", self.user(row)),
            kind::SELECT => match row.rule {
                Some(INJECTION_RULE) => format!(
                    "SELECT id, name, email FROM {t} WHERE name = '' OR '1'='1' -- ' AND status = 'ACTIVE'"
                ),
                Some(EXPORT_RULE) => format!("SELECT * FROM {t}"),
                _ => match h % 4 {
                    0 => format!("SELECT id, status, updated_at FROM {t} WHERE id = {id}"),
                    1 => format!("SELECT COUNT(*) FROM {t} WHERE created_at >= '{}'", date()),
                    2 => format!(
                        "SELECT * FROM {t} WHERE status = 'ACTIVE' ORDER BY updated_at DESC LIMIT {}",
                        10 + n % 90
                    ),
                    _ => format!(
                        "SELECT a.id, b.id FROM {t} a JOIN {t} b ON a.parent_id = b.id WHERE a.id > {id} LIMIT 100"
                    ),
                },
            },
            kind::SELECT_FOR_UPDATE => {
                format!("SELECT id, version FROM {t} WHERE id = {id} FOR UPDATE")
            }
            kind::INSERT => format!(
                "INSERT INTO {t} (id, status, created_at) VALUES ({id}, 'NEW', '{}')",
                super::window::format_ms(time_ms)
            ),
            kind::INSERT_SELECT => {
                format!(
                    "INSERT INTO {t}_archive SELECT * FROM {t} WHERE created_at < '{}'",
                    date()
                )
            }
            kind::UPDATE => format!(
                "UPDATE {t} SET status = 'DONE', updated_at = CURRENT_TIMESTAMP WHERE id = {id}"
            ),
            kind::DELETE => match row.rule {
                Some(DELETE_ALL_RULE) => format!("DELETE FROM {t}"),
                _ => format!("DELETE FROM {t} WHERE id = {id}"),
            },
            kind::CREATE_TABLE => format!(
                "CREATE TABLE {t}_{} (id BIGINT PRIMARY KEY, payload VARCHAR(255), created_at TIMESTAMP)",
                compact()
            ),
            kind::DROP_TABLE => format!("DROP TABLE {t}_{}", compact()),
            kind::CREATE_TABLESPACE => {
                format!("CREATE TABLESPACE ts_{t} DATAFILE 'ts_{t}.dbf' SIZE 100M")
            }
            kind::DROP_TABLESPACE => format!("DROP TABLESPACE ts_{t}"),
            kind::CREATE_USER => format!("CREATE USER tmp_user{n} IDENTIFIED BY '******'"),
            kind::DROP_USER => format!("DROP USER tmp_user{n}"),
            kind::GRANT => format!("GRANT SELECT, UPDATE ON {t} TO report_svc"),
            _ => [
                "COMMIT",
                "ROLLBACK",
                "SET autocommit = 1",
                "SHOW VARIABLES LIKE 'max_connections'",
            ][(h % 4) as usize]
                .to_owned(),
        }
    }
}
