//! Building and serialising a create-report request, and decoding responses.
//!
//! - `create_request/serialize`: a `CreateReportRequest` to JSON bytes.
//! - `create_request/sdk_build_validate_serialize`: the SDK's builder and validation
//!   (`client.create_report(..).template(..).time_range(..).request()`), then JSON bytes.
//! - `decode/*`: a CreateReport 200, a ListAuditReports 200 with 50 reports, and a
//!   `DbssError` with details.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dbss_bench::{
    AK, END_TIME, ERROR_JSON, INSTANCE_ID, PROJECT_ID, SK, START_TIME, TEMPLATE_ID, create_body,
    list_reports_json,
};
use dbss_client::{Credentials, DbssClient};
use dbss_types::{CreateReportResponse, DbssError, ListAuditReportsResponse};

fn create_request(c: &mut Criterion) {
    // Nothing is sent: the client only validates and builds.
    let client = DbssClient::builder()
        .endpoint("http://127.0.0.1:9")
        .project_id(PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, SK))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let body = create_body();
    let mut group = c.benchmark_group("create_request");
    group.bench_function("serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&body)).map(|v| v.len()))
    });
    group.bench_function("build_and_serialize", |b| {
        b.iter(|| serde_json::to_vec(&create_body()).map(|v| v.len()))
    });
    group.bench_function("sdk_build_validate_serialize", |b| {
        b.iter(|| {
            let request = client
                .create_report(black_box(INSTANCE_ID))
                .template(TEMPLATE_ID)
                .time_range(START_TIME, END_TIME)
                .request()
                .unwrap_or_else(|e| panic!("{e}"));
            serde_json::to_vec(&request).map(|v| v.len())
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let created = br#"{"result":"success"}"#;
    let list = list_reports_json(50);
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(created.len() as u64));
    group.bench_function("create_report_200", |b| {
        b.iter(|| serde_json::from_slice::<CreateReportResponse>(black_box(created)))
    });
    group.throughput(Throughput::Bytes(list.len() as u64));
    group.bench_function("list_reports_200_50_reports", |b| {
        b.iter(|| serde_json::from_slice::<ListAuditReportsResponse>(black_box(list.as_bytes())))
    });
    group.throughput(Throughput::Bytes(ERROR_JSON.len() as u64));
    group.bench_function("error_400_with_details", |b| {
        b.iter(|| serde_json::from_slice::<DbssError>(black_box(ERROR_JSON.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, create_request, decode);
criterion_main!(benches);
