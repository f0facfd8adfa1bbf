//! The engine against the in-memory cloud: a stack lives in one account and one region, and a
//! refresh that finds everything gone is not saved without being asked to.

use infrac_deploy::fake::FakeCloud;
use infrac_deploy::{destroy_plan, DeployError, Engine, Options};
use infrac_plan::{diff, Node, Origin, ResourceGraph, ResourceType, State};
use infrac_state::{MemoryBackend, StateBackend};
use infrac_syntax::{FileId, Span};
use serde_json::json;
use std::sync::Arc;

fn graph() -> ResourceGraph {
    let origin = Arc::new(Origin {
        file_id: FileId(0),
        file: "main.infra".into(),
        line: 1,
        span: Span::new(0, 1),
        declaration: "a".into(),
        title: "function a".into(),
    });
    let mut g = ResourceGraph::new("p", "dev");
    for (id, name) in [
        ("a/logs", "/aws/lambda/p-dev-a"),
        ("b/logs", "/aws/lambda/p-dev-b"),
    ] {
        g.add(Node::new(
            id,
            ResourceType::LogGroup,
            name,
            json!({"name": name}),
            &[],
            &origin,
        ))
        .expect("adds");
    }
    g
}

fn engine<'b>(
    cloud: &Arc<FakeCloud>,
    backend: &'b MemoryBackend,
    gone_ok: bool,
) -> Engine<'b, FakeCloud> {
    Engine::new(
        Arc::clone(cloud),
        backend,
        "dev",
        Options {
            everything_gone_ok: gone_ok,
            ..Options::default()
        },
    )
}

/// Deploys `graph()` as the default caller and returns the stored state.
async fn deployed(cloud: &Arc<FakeCloud>, backend: &MemoryBackend) -> State {
    let e = engine(cloud, backend, false);
    let mut loaded = e.load("p").expect("loads");
    e.check_home(&mut loaded.state).await.expect("first deploy");
    let plan = diff(&graph(), &loaded.state);
    assert!(e.apply(loaded, &plan).await.expect("applies").succeeded());
    backend.load("dev").expect("loads").expect("stored")
}

#[tokio::test]
async fn the_first_deploy_records_the_account_and_region() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let state = deployed(&cloud, &backend).await;
    assert_eq!(state.account.as_deref(), Some("123456789012"));
    assert_eq!(state.region.as_deref(), Some("us-east-1"));
}

#[tokio::test]
async fn another_account_or_region_is_refused_naming_both_and_changes_nothing() {
    for (account, region, message) in [
        (
            "210987654321",
            "us-east-1",
            "stack dev lives in account 123456789012 in region us-east-1, but these credentials \
             are for account 210987654321 in region us-east-1; nothing was changed",
        ),
        (
            "123456789012",
            "eu-west-1",
            "stack dev lives in account 123456789012 in region us-east-1, but these credentials \
             are for account 123456789012 in region eu-west-1; nothing was changed",
        ),
    ] {
        let cloud = Arc::new(FakeCloud::new());
        let backend = MemoryBackend::new();
        let before = deployed(&cloud, &backend).await;
        cloud.set_caller(account, region);
        cloud.clear_calls();
        let e = engine(&cloud, &backend, false);
        let mut loaded = e.load("p").expect("loads");
        let err = e.check_home(&mut loaded.state).await.expect_err("refused");
        assert!(matches!(err, DeployError::WrongHome { .. }));
        assert!(err.to_string().starts_with(message), "{err}");
        // The apply checks too, so a caller that skipped the check still changes nothing.
        let plan = destroy_plan(&loaded.state);
        let err = e.apply(loaded, &plan).await.expect_err("refused");
        assert!(err.to_string().starts_with(message), "{err}");
        assert_eq!(cloud.calls(), Vec::<String>::new());
        assert_eq!(backend.load("dev").expect("loads"), Some(before));
        assert_eq!(cloud.len(), 2);
    }
}

#[tokio::test]
async fn a_state_without_a_recorded_home_gets_the_callers_at_its_next_deploy() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let mut old = deployed(&cloud, &backend).await;
    // As written by an infrac that did not record them.
    old.account = None;
    old.region = None;
    let serial = old.serial;
    old.serial += 1;
    backend.save("dev", &old, Some(serial)).expect("saves");
    cloud.set_caller("555555555555", "eu-west-1");
    let e = engine(&cloud, &backend, false);
    let mut loaded = e.load("p").expect("loads");
    e.check_home(&mut loaded.state)
        .await
        .expect("adopts the caller's");
    cloud.tamper(ResourceType::LogGroup, "/aws/lambda/p-dev-a", None);
    e.refresh(&mut loaded.state).await.expect("refreshes");
    let plan = diff(&graph(), &loaded.state);
    assert!(e.apply(loaded, &plan).await.expect("applies").succeeded());
    let stored = backend.load("dev").expect("loads").expect("stored");
    assert_eq!(stored.account.as_deref(), Some("555555555555"));
    assert_eq!(stored.region.as_deref(), Some("eu-west-1"));
}

#[tokio::test]
async fn a_refresh_that_finds_everything_gone_is_refused_unless_asked() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let before = deployed(&cloud, &backend).await;
    cloud.tamper(ResourceType::LogGroup, "/aws/lambda/p-dev-a", None);
    cloud.tamper(ResourceType::LogGroup, "/aws/lambda/p-dev-b", None);
    let e = engine(&cloud, &backend, false);
    let mut loaded = e.load("p").expect("loads");
    let err = e.refresh(&mut loaded.state).await.expect_err("refused");
    assert!(matches!(err, DeployError::EverythingGone { count: 2, .. }));
    assert!(
        err.to_string().starts_with(
            "none of the 2 resources of stack dev was found: this is far more often the wrong \
             credentials or region than the truth, so the state was left as it was"
        ),
        "{err}"
    );
    assert_eq!(loaded.state, before, "the state in memory is untouched too");
    assert_eq!(backend.load("dev").expect("loads"), Some(before));

    let e = engine(&cloud, &backend, true);
    let mut loaded = e.load("p").expect("loads");
    e.refresh(&mut loaded.state).await.expect("asked for");
    assert!(loaded.state.is_empty());
}

#[tokio::test]
async fn one_resource_gone_of_several_is_an_ordinary_refresh() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deployed(&cloud, &backend).await;
    cloud.tamper(ResourceType::LogGroup, "/aws/lambda/p-dev-a", None);
    let e = engine(&cloud, &backend, false);
    let mut loaded = e.load("p").expect("loads");
    e.refresh(&mut loaded.state).await.expect("refreshes");
    assert_eq!(loaded.state.resources.len(), 1);
}
