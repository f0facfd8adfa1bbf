//! The backend contract, checked against every backend: saves are compare-and-swap and never
//! half-written, locks are exclusive and say who holds them.

use infrac_plan::state::{ResourceState, State, Status};
use infrac_plan::ResourceType;
use infrac_state::{LocalBackend, LockInfo, MemoryBackend, StateBackend, StateError, StateLock};
use serde_json::json;
use std::sync::{Arc, Barrier};

fn state(serial: u64, lineage: &str) -> State {
    let mut s = State::empty("thumbnailer", "dev", lineage);
    s.serial = serial;
    s.resources.push(ResourceState {
        id: "media".into(),
        ty: ResourceType::S3Bucket,
        physical_id: "thumbnailer-dev-media-1".into(),
        arn: None,
        status: Status::Applied,
        depends_on: vec![],
        inputs: json!({"name": "thumbnailer-dev-media-1", "serial": serial}),
        outputs: json!({}),
    });
    s
}

fn holder(name: &str) -> LockInfo {
    LockInfo {
        who: format!("{name}@laptop"),
        pid: 42,
        since: "2026-11-27T07:00:00Z".into(),
        operation: "deploy".into(),
    }
}

fn contract(backend: &dyn StateBackend) {
    assert!(backend.load("dev").expect("load").is_none());
    assert!(backend.stacks().expect("stacks").is_empty());

    backend
        .save("dev", &state(1, "L"), None)
        .expect("first save");
    assert_eq!(backend.load("dev").expect("load"), Some(state(1, "L")));
    assert_eq!(backend.stacks().expect("stacks"), vec!["dev"]);

    // A writer that read nothing, or an older serial, lost the race.
    assert!(matches!(
        backend.save("dev", &state(2, "L"), None),
        Err(StateError::Conflict { found: Some(1), .. })
    ));
    backend
        .save("dev", &state(2, "L"), Some(1))
        .expect("second save");
    assert!(matches!(
        backend.save("dev", &state(3, "L"), Some(1)),
        Err(StateError::Conflict {
            expected: Some(1),
            found: Some(2),
            ..
        })
    ));
    // Serials grow; lineages never change.
    assert!(matches!(
        backend.save("dev", &state(2, "L"), Some(2)),
        Err(StateError::SerialNotNewer { .. })
    ));
    assert!(matches!(
        backend.save("dev", &state(3, "other"), Some(2)),
        Err(StateError::Lineage { .. })
    ));
    assert_eq!(backend.load("dev").expect("load"), Some(state(2, "L")));

    // Locks.
    assert_eq!(backend.lock_holder("dev").expect("holder"), None);
    backend.lock("dev", &holder("ana")).expect("lock");
    match backend.lock("dev", &holder("bo")) {
        Err(StateError::Locked {
            holder: Some(h), ..
        }) => assert_eq!(h, holder("ana")),
        other => panic!("second lock: {other:?}"),
    }
    let message = backend
        .lock("dev", &holder("bo"))
        .expect_err("locked")
        .to_string();
    assert!(
        message.contains("ana@laptop (pid 42, deploy since 2026-11-27T07:00:00Z)"),
        "{message}"
    );
    // Another stack has its own lock.
    backend.lock("prod", &holder("bo")).expect("other stack");
    assert_eq!(backend.unlock("dev").expect("unlock"), Some(holder("ana")));
    assert_eq!(backend.unlock("dev").expect("unlock twice"), None);
    {
        let _guard = StateLock::acquire(backend, "dev", &holder("cy")).expect("guard");
        assert_eq!(
            backend.lock_holder("dev").expect("holder"),
            Some(holder("cy"))
        );
    }
    assert_eq!(backend.lock_holder("dev").expect("released on drop"), None);
    let guard = StateLock::acquire(backend, "dev", &holder("cy")).expect("guard");
    guard.release().expect("release");
    assert_eq!(backend.lock_holder("dev").expect("released"), None);
}

#[test]
fn memory_backend_follows_the_contract() {
    contract(&MemoryBackend::new());
}

#[test]
fn local_backend_follows_the_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::for_project(dir.path());
    contract(&backend);
    // What is on disk: the state file and nothing half-written beside it.
    let files: Vec<String> = std::fs::read_dir(dir.path().join(".infra/state"))
        .expect("state folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut files = files;
    files.sort();
    assert_eq!(files, vec!["dev.json", "prod.lock"]);
    let text = std::fs::read_to_string(backend.state_path("dev")).expect("state file");
    assert_eq!(State::parse(&text).expect("parses"), state(2, "L"));
    assert!(text.ends_with("}\n"));
}

#[test]
fn a_damaged_state_is_an_error_that_says_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::for_project(dir.path());
    std::fs::create_dir_all(dir.path().join(".infra/state")).expect("folder");
    std::fs::write(backend.state_path("dev"), "{\"version\": 1, \"lin").expect("write");
    let err = backend.load("dev").expect_err("damaged");
    assert!(matches!(err, StateError::Corrupt { .. }));
    assert!(err.to_string().contains("dev.json"), "{err}");
    let newer = state(1, "L")
        .to_json()
        .replace("\"version\": 1", "\"version\": 7");
    std::fs::write(backend.state_path("dev"), newer).expect("write");
    let err = backend.load("dev").expect_err("too new");
    assert!(err.to_string().contains("upgrade infrac"), "{err}");
}

#[test]
fn an_unreadable_lock_still_locks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::for_project(dir.path());
    std::fs::create_dir_all(dir.path().join(".infra/state")).expect("folder");
    std::fs::write(backend.lock_path("dev"), "").expect("empty lock");
    assert!(matches!(
        backend.lock("dev", &holder("ana")),
        Err(StateError::Locked { holder: None, .. })
    ));
    assert_eq!(backend.unlock("dev").expect("unlock"), None);
    backend
        .lock("dev", &holder("ana"))
        .expect("lock after unlock");
}

#[test]
fn of_many_lockers_at_once_exactly_one_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Arc::new(LocalBackend::for_project(dir.path()));
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let backend = Arc::clone(&backend);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                backend.lock("dev", &holder(&format!("user{i}"))).is_ok()
            })
        })
        .collect();
    let winners = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .filter(|won| *won)
        .count();
    assert_eq!(winners, 1);
}

#[test]
fn concurrent_saves_never_leave_a_broken_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Arc::new(LocalBackend::for_project(dir.path()));
    backend.save("dev", &state(1, "L"), None).expect("first");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let backend = Arc::clone(&backend);
            std::thread::spawn(move || {
                for _ in 0..25 {
                    if let Ok(Some(current)) = backend.load("dev") {
                        let next = state(current.serial + 1, "L");
                        let _ = backend.save("dev", &next, Some(current.serial));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let last = backend.load("dev").expect("loads").expect("exists");
    assert!(last.serial >= 2);
    let leftovers = std::fs::read_dir(dir.path().join(".infra/state"))
        .expect("folder")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        })
        .count();
    assert_eq!(leftovers, 0);
}
