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
