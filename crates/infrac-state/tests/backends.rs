//! The backend contract, checked against every backend: saves are compare-and-swap and never
//! half-written, locks are exclusive and say who holds them.

use infrac_plan::state::State;
use infrac_state::contract::{self, holder, state};
use infrac_state::{LocalBackend, MemoryBackend, StateBackend, StateError};
use std::sync::{Arc, Barrier};

#[test]
fn memory_backend_follows_the_contract() {
    contract::check(&MemoryBackend::new());
    let shared = MemoryBackend::new();
    contract::two_writers(&shared, &shared);
    let shared = MemoryBackend::new();
    contract::two_lockers(&shared, &shared);
}

#[test]
fn two_local_clients_of_one_folder_follow_the_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = LocalBackend::for_project(dir.path());
    let b = LocalBackend::for_project(dir.path());
    contract::two_writers(&a, &b);
    contract::two_lockers(&a, &b);
}

#[test]
fn local_backend_follows_the_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::for_project(dir.path());
    contract::check(&backend);
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

/// States and locks name the account's resources and who deploys them: only their owner reads
/// them.
#[cfg(unix)]
#[test]
fn state_and_lock_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::for_project(dir.path());
    backend.save("dev", &state(1, "L"), None).expect("save");
    backend
        .save("dev", &state(2, "L"), Some(1))
        .expect("save again");
    backend.lock("dev", &holder("ana")).expect("lock");
    for path in [backend.state_path("dev"), backend.lock_path("dev")] {
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
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
