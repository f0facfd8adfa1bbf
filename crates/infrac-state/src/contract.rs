//! The contract every [`StateBackend`] follows, as checks that panic on the first breach: for
//! the tests of each backend (the local and memory ones here, the S3 one against moto in the
//! `infrac` crate), so they all answer to the same rules.
//!
//! - [`check`]: saves are compare-and-swap on the serial, serials grow, lineages never
//!   change, locks are exclusive per stack, name their holder, and are released.
//! - [`two_writers`]: two clients read the same state and both save; exactly one wins, the
//!   other gets [`StateError::Conflict`], and the stored state is the winner's.
//! - [`two_lockers`]: two clients lock the same stack; one wins, the other is told who holds
//!   the lock; a run whose lock was broken never releases the next holder's.
//!
//! Each expects a store with no state and no lock for the stacks it uses (`dev`, `prod`).

use crate::{LockInfo, Release, StateBackend, StateError, StateLock};
use infrac_plan::state::{ResourceState, State, Status};
use infrac_plan::ResourceType;
use serde_json::json;

/// A state with one bucket, `serial` and `lineage` as given.
pub fn state(serial: u64, lineage: &str) -> State {
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
        pending_since: None,
        imported: false,
    });
    s
}

/// A lock holder named `name@laptop`.
pub fn holder(name: &str) -> LockInfo {
    LockInfo {
        who: format!("{name}@laptop"),
        pid: 42,
        since: "2026-11-27T07:00:00Z".into(),
        operation: "deploy".into(),
        token: format!("token-of-{name}"),
    }
}

/// Saves, loads and locks as every backend must. Leaves `dev` at serial 2 and `prod` locked
/// by `bo`.
#[allow(clippy::missing_panics_doc)]
pub fn check(backend: &dyn StateBackend) {
    assert!(backend.load("dev").expect("load").is_none());
    assert!(backend.stacks().expect("stacks").is_empty());

    backend
        .save("dev", &state(1, "L"), None)
        .expect("first save");
    assert_eq!(backend.load("dev").expect("load"), Some(state(1, "L")));
    assert_eq!(backend.stacks().expect("stacks"), vec!["dev"]);

    // A writer that read nothing, or an older serial, lost the race.
    match backend.save("dev", &state(2, "L"), None) {
        Err(StateError::Conflict { found: Some(1), .. }) => {}
        other => panic!("a first save over a stored state: {other:?}"),
    }
    backend
        .save("dev", &state(2, "L"), Some(1))
        .expect("second save");
    match backend.save("dev", &state(3, "L"), Some(1)) {
        Err(StateError::Conflict {
            expected: Some(1),
            found: Some(2),
            ..
        }) => {}
        other => panic!("a save from an old serial: {other:?}"),
    }
    // Serials grow; lineages never change.
    match backend.save("dev", &state(2, "L"), Some(2)) {
        Err(StateError::SerialNotNewer { .. }) => {}
        other => panic!("a save that does not grow the serial: {other:?}"),
    }
    match backend.save("dev", &state(3, "other"), Some(2)) {
        Err(StateError::Lineage { .. }) => {}
        other => panic!("a save of another lineage: {other:?}"),
    }
    assert_eq!(backend.load("dev").expect("load"), Some(state(2, "L")));

    // Locks.
    assert_eq!(backend.lock_holder("dev").expect("holder"), None);
    backend.lock("dev", &holder("ana")).expect("lock");
    match backend.lock("dev", &holder("bo")) {
        Err(StateError::Locked {
            holder: Some(h), ..
        }) => assert_eq!(*h, holder("ana")),
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
    // Another stack has its own lock, and a lock is not a state.
    backend.lock("prod", &holder("bo")).expect("other stack");
    assert_eq!(backend.stacks().expect("stacks"), vec!["dev"]);
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
    assert_eq!(guard.release().expect("release"), Release::Released);
    assert_eq!(backend.lock_holder("dev").expect("released"), None);
}

/// Two clients of the same store (`a` and `b`: two backends, as two machines would have) read
/// the same state, then both save a successor: exactly one wins, the other gets
/// [`StateError::Conflict`], and the stored state is the winner's. Then the same for the very
/// first write of a stack, where neither read a state.
#[allow(clippy::missing_panics_doc)]
pub fn two_writers(a: &dyn StateBackend, b: &dyn StateBackend) {
    a.save("dev", &state(1, "L"), None).expect("first save");
    let read_a = a.load("dev").expect("a loads").expect("a state");
    let read_b = b.load("dev").expect("b loads").expect("b state");
    assert_eq!((read_a.serial, read_b.serial), (1, 1));

    let mut from_a = state(2, "L");
    from_a.resources[0].physical_id = "written-by-a".into();
    let mut from_b = state(2, "L");
    from_b.resources[0].physical_id = "written-by-b".into();
    a.save("dev", &from_a, Some(read_a.serial))
        .expect("the first writer wins");
    match b.save("dev", &from_b, Some(read_b.serial)) {
        Err(err @ StateError::Conflict { .. }) => {
            assert!(err.to_string().contains("someone else wrote it"), "{err}");
        }
        other => panic!("the second writer must lose: {other:?}"),
    }
    assert_eq!(a.load("dev").expect("loads"), Some(from_a.clone()));
    assert_eq!(b.load("dev").expect("loads"), Some(from_a));

    // Neither has read a state of `prod`: the first write of a stack is conditional too.
    let mut first_a = state(1, "A");
    first_a.stack = "prod".into();
    let mut first_b = state(1, "B");
    first_b.stack = "prod".into();
    assert!(a.load("prod").expect("loads").is_none());
    assert!(b.load("prod").expect("loads").is_none());
    a.save("prod", &first_a, None).expect("a creates prod");
    match b.save("prod", &first_b, None) {
        Err(StateError::Conflict {
            expected: None,
            found: Some(1),
            ..
        }) => {}
        other => panic!("the second creator must lose: {other:?}"),
    }
    assert_eq!(b.load("prod").expect("loads"), Some(first_a));
}

/// Two clients lock the same stack: the first wins, the second fails at once naming it; after
/// the first unlocks, the second can lock.
#[allow(clippy::missing_panics_doc)]
pub fn two_lockers(a: &dyn StateBackend, b: &dyn StateBackend) {
    a.lock("dev", &holder("ana")).expect("a locks");
    match b.lock("dev", &holder("bo")) {
        Err(err @ StateError::Locked { .. }) => {
            let StateError::Locked { holder: found, .. } = &err else {
                unreachable!()
            };
            assert_eq!(found.as_deref(), Some(&holder("ana")));
            assert!(
                err.to_string().contains("locked by ana@laptop (pid 42"),
                "{err}"
            );
        }
        other => panic!("the second locker must lose: {other:?}"),
    }
    assert_eq!(b.lock_holder("dev").expect("holder"), Some(holder("ana")));
    assert_eq!(a.unlock("dev").expect("unlock"), Some(holder("ana")));
    b.lock("dev", &holder("bo"))
        .expect("b locks once a unlocked");
    assert_eq!(a.lock_holder("dev").expect("holder"), Some(holder("bo")));
    assert_eq!(b.unlock("dev").expect("unlock"), Some(holder("bo")));

    // `ana`'s run holds the lock; someone breaks it (`infrac state unlock`) and `bo` takes it.
    // When `ana`'s run ends, its release (or its guard's drop) leaves `bo`'s lock alone.
    let guard = StateLock::acquire(a, "dev", &holder("ana")).expect("a locks");
    assert_eq!(b.unlock("dev").expect("broken"), Some(holder("ana")));
    b.lock("dev", &holder("bo")).expect("b locks");
    assert_eq!(
        guard.release().expect("release"),
        Release::NotOurs(Some(holder("bo")))
    );
    assert_eq!(a.lock_holder("dev").expect("holder"), Some(holder("bo")));
    {
        let _dropped = StateLock::acquire(a, "prod", &holder("ana")).expect("a locks prod");
        assert_eq!(b.unlock("prod").expect("broken"), Some(holder("ana")));
        b.lock("prod", &holder("bo")).expect("b locks prod");
    }
    assert_eq!(a.lock_holder("prod").expect("holder"), Some(holder("bo")));
    // A lock from before tokens (none) is never released by a run, only broken.
    let untokened = LockInfo {
        token: String::new(),
        ..holder("old")
    };
    assert_eq!(b.unlock("dev").expect("unlock"), Some(holder("bo")));
    b.lock("dev", &untokened).expect("lock");
    assert_eq!(
        b.release("dev", &untokened).expect("release"),
        Release::NotOurs(Some(untokened.clone()))
    );
    assert_eq!(b.unlock("dev").expect("unlock"), Some(untokened));
    assert_eq!(
        b.release("dev", &holder("bo")).expect("release"),
        Release::NotOurs(None)
    );
    assert_eq!(b.unlock("prod").expect("unlock"), Some(holder("bo")));
}
