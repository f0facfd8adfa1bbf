//! Interrupting `infrac deploy`, against moto's server with the real binary: Ctrl-C in the
//! middle of a run finishes the calls in flight, saves the state and releases the lock (exit
//! 130); Ctrl-C at the confirmation prompt leaves nothing behind, because the lock is only
//! taken once the user has said yes.

mod support;

use infrac_plan::state::Status;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::moto::*;

fn applied_count(project: &Path) -> usize {
    std::fs::read_to_string(project.join(".infra/state/dev.json"))
        .ok()
        .and_then(|text| infrac_plan::State::parse(&text).ok())
        .map_or(0, |s| {
            s.resources
                .iter()
                .filter(|r| r.status == Status::Applied)
                .count()
        })
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the process did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_during_a_deploy_finishes_the_calls_in_flight_saves_and_releases_the_lock() {
    let Some(moto) = moto() else { return };
    let dir = functions_project("interrupted", 12);
    let p = dir.path().to_str().expect("utf-8 path").to_string();
    // Every call takes 200 ms, so the run is still going when it is interrupted.
    let slow = FaultProxy::start(
        &moto.url,
        Duration::from_millis(200),
        Arc::new(|_, _| Fault::Pass),
    );
    let mut child = aws_command(env!("CARGO_BIN_EXE_infrac"), &slow.url)
        .args(["deploy", &p, "--yes", "--parallelism", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("infrac starts");
    let start = Instant::now();
    while applied_count(dir.path()) == 0 && start.elapsed() < Duration::from_mins(1) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        applied_count(dir.path()) > 0,
        "nothing was deployed in time"
    );
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = wait_with_timeout(&mut child, Duration::from_mins(1));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("reads");
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("Interrupted: finishing the calls in flight"),
        "{stderr}"
    );
    assert!(stderr.contains("the state is saved"), "{stderr}");
    // The lock is released, and every call that was started is recorded as done.
    assert!(!dir.path().join(".infra/state/dev.lock").exists());
    let saved = state(dir.path(), "dev");
    assert!(
        saved.resources.iter().all(|r| r.status == Status::Applied),
        "{:?}",
        saved.resources
    );
    // Each function is three resources (role, log group, function): far from all of them.
    assert!(saved.resources.len() < 36, "{}", saved.resources.len());
    // The next run carries on, and the one after has nothing to do.
    ok(infrac(&moto.url, &["deploy", &p, "--yes"], &[]));
    let again = ok(infrac(&moto.url, &["plan", &p], &[]));
    assert!(again.contains("No changes"), "{again}");
    ok(infrac(&moto.url, &["destroy", &p, "--yes"], &[]));
}

#[test]
fn ctrl_c_at_the_prompt_leaves_no_lock_and_changes_nothing() {
    let Some(moto) = moto() else { return };
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("\n!!!!! SKIPPED: no `script` (util-linux) to make a terminal with !!!!!\n");
        return;
    }
    let dir = functions_project("prompted", 1);
    let p = dir.path().to_str().expect("utf-8 path").to_string();
    let mut child = aws_command("script", &moto.url)
        .args([
            "-qec",
            &format!("{} deploy {p}", env!("CARGO_BIN_EXE_infrac")),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let start = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("goes ahead") {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "no prompt: {}",
            String::from_utf8_lossy(&seen)
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
    }
    // The question is on screen and nobody has said yes: the stack is not locked.
    let lock = dir.path().join(".infra/state/dev.lock");
    assert!(!lock.exists(), "locked before the user said yes");
    // Ctrl-C on the terminal.
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"\x03").expect("types Ctrl-C");
    stdin.flush().expect("flushes");
    let status = wait_with_timeout(&mut child, Duration::from_secs(30));
    assert!(!status.success());
    assert!(!lock.exists());
    assert!(!dir.path().join(".infra/state/dev.json").exists());
}
