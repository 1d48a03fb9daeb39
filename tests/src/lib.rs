//! End-to-end tests live in `tests/`; the `token-worker` binary is the process they spawn.

use std::process::{Command, Stdio};

/// Starts `processes` workers (`worker calls BASE STORE PER`) at once, waits for all, and
/// panics unless each made its `per` calls without a failure. Blocking: call it from
/// `spawn_blocking` in async tests.
pub fn run_call_workers(worker: &str, base: &str, store: &str, processes: usize, per: usize) {
    let children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(worker)
                .args(["calls", base, store, &per.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the worker starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("the worker ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.trim(), format!("ok={per} failed=0"));
    }
}

/// Starts `processes` workers calling GET /me for `ms` milliseconds (`worker loop`, 4 tasks
/// each) and, beside them, one worker that forces `rotations` refreshes 100 ms apart
/// (`worker rotate`). Panics unless every call of every worker succeeded and the rotator
/// finished; returns the number of calls made. Blocking.
pub fn run_loops_with_rotations(
    worker: &str,
    base: &str,
    store: &str,
    processes: usize,
    ms: u64,
    rotations: u64,
) -> u64 {
    let spawn = |args: &[&str]| {
        Command::new(worker)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the worker starts")
    };
    let ms_text = ms.to_string();
    let loops: Vec<_> = (0..processes)
        .map(|_| spawn(&["loop", base, store, "4", &ms_text]))
        .collect();
    let rotator = spawn(&["rotate", base, store, &rotations.to_string(), "100"]);
    let out = rotator.wait_with_output().expect("the rotator ends");
    assert!(
        out.status.success(),
        "rotator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut calls = 0;
    for child in loops {
        let out = child.wait_with_output().expect("the worker ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ok: u64 = stdout
            .trim()
            .strip_prefix("ok=")
            .and_then(|r| r.strip_suffix(" failed=0"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected worker output {stdout:?}"));
        calls += ok;
    }
    calls
}

/// What two fixed rate windows (aligned to multiples of their lengths in Unix time, as
/// Procore's and the simulator's are) allow over `[t0, t1]` (Unix seconds): per hourly window,
/// the smaller of its limit and the spike windows it overlaps times the spike limit.
pub fn allowed_requests(t0: f64, t1: f64, hourly: (f64, f64), spike: (f64, f64)) -> f64 {
    let ((h_limit, h_len), (s_limit, s_len)) = (hourly, spike);
    let mut allowed = 0.0;
    let mut h = (t0 / h_len).floor();
    while h * h_len < t1 {
        let (a, b) = (t0.max(h * h_len), t1.min((h + 1.0) * h_len));
        if a < b {
            let spikes = (b / s_len).ceil() - (a / s_len).floor();
            allowed += h_limit.min(spikes * s_limit);
        }
        h += 1.0;
    }
    allowed
}
