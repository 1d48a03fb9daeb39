//! Direct uploads against the simulator's upload API and its object store, over real sockets:
//! the v2.1 unified flow and both v1.1 flows, progress, resends of a damaged segment, and the
//! typed error that names a segment the store keeps refusing.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use procore::uploads::{ProgressFn, UNIFIED_MIN_SEGMENT};
use procore::{ErrorCode, UploadOptions, UploadProgress, UploadSource, UploadSpec};
use procore_simulator::seed::BIG_BUILD;
use procore_simulator::Fault;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const TWELVE_MIB: usize = 12 * 1024 * 1024;
/// The first project of the Big Build company.
const PROJECT: u64 = 100_001;

fn content(n: usize) -> Vec<u8> {
    // Not a repeating pattern per segment, so a segment sent in the wrong place shows.
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn spec(flow: &str, segment: Option<u64>, project: Option<u64>) -> UploadSpec {
    UploadSpec::from_options(UploadOptions {
        flow: Some(flow.into()),
        segment_size: segment.map(Into::into),
        company_id: Some(BIG_BUILD.into()),
        project_id: project.map(Into::into),
        ..Default::default()
    })
    .unwrap()
}

fn recorder() -> (ProgressFn, Arc<Mutex<Vec<UploadProgress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (Arc::new(move |p| s.lock().unwrap().push(p)), seen)
}

fn assert_progress_reaches_total(seen: &[UploadProgress], total: u64, segments: usize) {
    assert_eq!(seen.len(), segments + 1, "{seen:?}");
    assert_eq!(seen[0].sent, 0);
    assert!(seen.windows(2).all(|w| w[0].sent < w[1].sent), "{seen:?}");
    let last = seen.last().unwrap();
    assert_eq!((last.sent, last.total), (total, total));
    assert_eq!((last.segments_done, last.segments), (segments, segments));
}

/// The simulator's record of the one upload with this id.
fn stored(sim: &procore_simulator::Simulator, id: &str) -> Value {
    sim.uploads()
        .into_iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("no upload {id} in {:?}", sim.uploads()))
}

#[tokio::test]
async fn twelve_mib_from_a_file_in_three_v2_segments_until_available() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let bytes = content(TWELVE_MIB);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drawings.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let (progress, seen) = recorder();
    let out = c
        .upload(
            &spec("v2.1", Some(UNIFIED_MIN_SEGMENT), Some(PROJECT)),
            UploadSource::Path(path),
            Some(progress),
        )
        .await
        .unwrap();
    let sha = hex(&Sha256::digest(&bytes));
    assert_eq!(out.status, "available");
    assert_eq!((out.size, out.segments), (TWELVE_MIB as u64, 3));
    assert_eq!(out.sha256, sha);
    assert_eq!(out.file_name, "drawings.pdf");
    assert_eq!(out.content_type, "application/pdf");
    assert_progress_reaches_total(&seen.lock().unwrap(), TWELVE_MIB as u64, 3);

    let rec = stored(&sim, &out.id);
    assert_eq!(rec["flow"], "unified");
    assert_eq!(
        rec["scope"],
        format!("companies/{BIG_BUILD}/projects/{PROJECT}")
    );
    assert_eq!(rec["stored_sha256"], sha);
    assert_eq!(rec["status"], "available");
    let sizes: Vec<u64> = rec["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["size"].as_u64().unwrap())
        .collect();
    assert_eq!(
        sizes,
        vec![
            UNIFIED_MIN_SEGMENT,
            UNIFIED_MIN_SEGMENT,
            TWELVE_MIB as u64 - 2 * UNIFIED_MIN_SEGMENT
        ]
    );
    // The store saw exactly the planned headers, a length, and never the bearer token.
    let puts: Vec<_> = sim
        .recorded_requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/_storage/"))
        .collect();
    assert_eq!(puts.len(), 3);
    for r in &puts {
        assert_eq!(r.method, "PUT");
        let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert!(!names.contains(&"authorization"), "{names:?}");
        assert!(
            !names.iter().any(|n| n.starts_with("procore-")),
            "{names:?}"
        );
        assert!(names.contains(&"x-amz-checksum-sha256"), "{names:?}");
        assert!(names.contains(&"content-length"), "{names:?}");
    }
}

#[tokio::test]
async fn v1_single_part_from_bytes_and_segmented_from_a_stream() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let bytes = content(TWELVE_MIB);
    let sha = hex(&Sha256::digest(&bytes));

    let (progress, seen) = recorder();
    let mut single = spec("v1.1", None, Some(PROJECT));
    single.file_name = Some("photo.jpg".into());
    let out = c
        .upload(
            &single,
            UploadSource::Bytes(bytes.clone().into()),
            Some(progress),
        )
        .await
        .unwrap();
    assert_eq!((out.status.as_str(), out.segments), ("complete", 1));
    assert_eq!(out.content_type, "image/jpeg");
    assert_progress_reaches_total(&seen.lock().unwrap(), TWELVE_MIB as u64, 1);
    let rec = stored(&sim, &out.id);
    assert_eq!(rec["flow"], "legacy_single");
    assert_eq!(rec["scope"], format!("projects/{PROJECT}"));
    assert_eq!(rec["stored_sha256"], sha);

    let (progress, seen) = recorder();
    let mut segmented = spec("v1.1-segmented", Some(5 * 1024 * 1024), None);
    segmented.file_name = Some("model.bin".into());
    let reader: Box<dyn tokio::io::AsyncRead + Send + Unpin> =
        Box::new(std::io::Cursor::new(bytes.clone()));
    let out = c
        .upload(&segmented, UploadSource::Reader(reader), Some(progress))
        .await
        .unwrap();
    assert_eq!((out.status.as_str(), out.segments), ("complete", 3));
    assert_eq!(out.sha256, sha);
    assert_progress_reaches_total(&seen.lock().unwrap(), TWELVE_MIB as u64, 3);
    let rec = stored(&sim, &out.id);
    assert_eq!(rec["flow"], "legacy_segmented");
    assert_eq!(rec["scope"], format!("companies/{BIG_BUILD}"));
    assert_eq!(rec["stored_sha256"], sha);
    let completes = sim
        .recorded_requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.contains(&out.id))
        .count();
    assert_eq!(completes, 1);
}

#[tokio::test]
async fn a_damaged_segment_is_sent_again_and_one_always_damaged_fails_clearly() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let bytes = content(TWELVE_MIB);

    // One damaged body: the store refuses its digest, the segment goes again, all is well.
    sim.add_fault(Fault::corrupt(1));
    let mut s = spec("v2.1", Some(UNIFIED_MIN_SEGMENT), None);
    s.file_name = Some("a.bin".into());
    let out = c
        .upload(&s, UploadSource::Bytes(bytes.clone().into()), None)
        .await
        .unwrap();
    assert_eq!(out.status, "available");
    assert_eq!(sim.counters().route("PUT /_storage/{upload}/{part}"), 4);
    sim.clear_faults();

    // Every body damaged, one segment at a time: segment 1 fails after 1 + 2 attempts.
    sim.add_fault(Fault::corrupt(1).with_count(None));
    let mut s = spec("v2.1", Some(UNIFIED_MIN_SEGMENT), None);
    s.parallelism = 1;
    s.retries = 2;
    s.file_name = Some("a.bin".into());
    let e = c
        .upload(&s, UploadSource::Bytes(bytes.into()), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorCode::Upload);
    assert_eq!(e.code(), "upload");
    assert_eq!(e.status(), Some(400));
    let procore::Error::Upload {
        segment,
        segments,
        attempts,
        upload_id,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*segment, *segments, *attempts), (Some(1), 3, 3));
    let text = e.to_string();
    assert!(text.contains("segment 1 of 3"), "{text}");
    assert!(text.contains("BadDigest"), "{text}");
    assert!(text.contains(upload_id.as_deref().unwrap()), "{text}");
    // The presigned URL (its signature is a credential) is in neither the text nor Debug.
    assert!(!text.contains("Signature") && !format!("{e:?}").contains("_storage"));
    let rec = stored(&sim, upload_id.as_deref().unwrap());
    assert_eq!(rec["status"], "ready");
}

#[tokio::test]
async fn wrong_calls_are_config_errors_before_anything_is_sent() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let e = c
        .upload(
            &spec("v2.1", None, None),
            UploadSource::Bytes(vec![1, 2, 3].into()),
            None,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("file_name"), "{e}");
    let e = c
        .upload(
            &spec("v2.1", None, None),
            UploadSource::Path("/nonexistent/plan.pdf".into()),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorCode::Config);
    assert!(e.to_string().contains("/nonexistent/plan.pdf"), "{e}");
    let nocompany = UploadSpec::from_options(UploadOptions {
        file_name: Some("x.txt".into()),
        ..Default::default()
    })
    .unwrap();
    let e = c
        .upload(&nocompany, UploadSource::Bytes(vec![1].into()), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("company"), "{e}");
    assert_eq!(sim.counters().requests_total, 0);
}
