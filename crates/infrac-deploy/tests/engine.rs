//! The engine against the in-memory cloud: order, parallelism, failures, crash recovery,
//! refresh and destroy.

use infrac_deploy::fake::FakeCloud;
use infrac_deploy::{destroy_plan, Engine, Event, Options, Refreshed};
use infrac_plan::graph::output_ref;
use infrac_plan::{diff, Action, Node, Origin, ResourceGraph, ResourceType, State, Status};
use infrac_state::{MemoryBackend, StateBackend};
use infrac_syntax::{FileId, Span};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn origin(name: &str) -> Arc<Origin> {
    Arc::new(Origin {
        file_id: FileId(0),
        file: "main.infra".into(),
        line: 1,
        span: Span::new(0, 1),
        declaration: name.into(),
        title: format!("function {name}"),
    })
}

/// The tags lowering gives every resource of stack `dev` of project `p`.
fn tags(id: &str) -> Value {
    json!({"infrac:id": id, "infrac:project": "p", "infrac:stack": "dev"})
}

/// A function `f` with its role and log group, per name, each tagged as lowering tags them.
fn graph(functions: &[(&str, u64)]) -> ResourceGraph {
    let mut g = ResourceGraph::new("p", "dev");
    for (f, memory) in functions {
        let o = origin(f);
        let role = format!("{f}/role");
        let logs = format!("{f}/logs");
        g.add(Node::new(
            &logs,
            ResourceType::LogGroup,
            format!("/aws/lambda/p-dev-{f}"),
            json!({"name": format!("/aws/lambda/p-dev-{f}"), "tags": tags(&logs)}),
            &[],
            &o,
        ))
        .expect("adds");
        g.add(Node::new(
            &role,
            ResourceType::IamRole,
            format!("p-dev-{f}-role"),
            json!({"name": format!("p-dev-{f}-role"), "logs": output_ref(&logs, "arn"), "tags": tags(&role)}),
            &[],
            &o,
        ))
        .expect("adds");
        g.add(Node::new(
            *f,
            ResourceType::LambdaFunction,
            format!("p-dev-{f}"),
            json!({"name": format!("p-dev-{f}"), "memory": memory, "timeout": 3, "role_arn": output_ref(&role, "arn"), "region": {"$lookup": "aws.region"}, "tags": tags(f)}),
            &[logs.as_str()],
            &o,
        )).expect("adds");
    }
    g
}

fn engine<'b>(
    cloud: &Arc<FakeCloud>,
    backend: &'b MemoryBackend,
    parallelism: usize,
) -> Engine<'b, FakeCloud> {
    Engine::new(
        Arc::clone(cloud),
        backend,
        "dev",
        Options {
            parallelism,
            ..Options::default()
        },
    )
}

async fn deploy(
    cloud: &Arc<FakeCloud>,
    backend: &MemoryBackend,
    g: &ResourceGraph,
) -> infrac_deploy::ApplyReport {
    let e = engine(cloud, backend, 10);
    let mut loaded = e.load("p").expect("loads");
    e.refresh(&mut loaded.state).await.expect("refreshes");
    let plan = diff(g, &loaded.state);
    e.apply(loaded, &plan).await.expect("applies")
}

fn stored(backend: &MemoryBackend) -> State {
    backend.load("dev").expect("loads").expect("has state")
}

#[tokio::test]
async fn deploys_in_order_and_then_has_nothing_to_do() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let g = graph(&[("a", 128), ("b", 256)]);
    let report = deploy(&cloud, &backend, &g).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(report.done.len(), 6);
    // A function after its role and log group; the role after the log group it names.
    let pos = |id: &str| report.done.iter().position(|(d, _)| d == id).expect("done");
    assert!(pos("a/logs") < pos("a/role") && pos("a/role") < pos("a"));
    let state = stored(&backend);
    assert_eq!(state.resources.len(), 6);
    assert!(state.resources.iter().all(|r| r.status == Status::Applied));
    // Saved before every create (pending) and after every step; steps that start or end
    // together share a save: at most 12 saves, and at least 2 per level of the graph.
    assert!((6..=12).contains(&state.serial), "{}", state.serial);
    // References were resolved from outputs: the function got its role's ARN.
    let f = cloud
        .get(ResourceType::LambdaFunction, "p-dev-a")
        .expect("exists");
    assert_eq!(
        f["properties"]["role_arn"],
        json!("arn:fake:aws:iam:Role:p-dev-a-role")
    );
    assert_eq!(f["properties"]["region"], json!("us-east-1"));
    // Unresolved in state, so an unchanged program diffs equal.
    assert_eq!(
        state.get("a").expect("a").inputs["role_arn"],
        output_ref("a/role", "arn")
    );
    let serial = state.serial;
    cloud.clear_calls();
    let report = deploy(&cloud, &backend, &g).await;
    assert!(report.done.is_empty());
    assert!(
        cloud.calls().iter().all(|c| c.starts_with("read ")),
        "{:?}",
        cloud.calls()
    );
    assert_eq!(
        stored(&backend).serial,
        serial,
        "a no-op deploy writes nothing"
    );
}

#[tokio::test]
async fn one_change_is_one_update_and_a_removal_deletes() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deploy(&cloud, &backend, &graph(&[("a", 128), ("b", 128)])).await;
    cloud.clear_calls();
    let report = deploy(&cloud, &backend, &graph(&[("a", 512), ("b", 128)])).await;
    assert_eq!(report.done, vec![("a".to_string(), Action::Update)]);
    assert_eq!(
        cloud
            .get(ResourceType::LambdaFunction, "p-dev-a")
            .expect("a")["properties"]["memory"],
        json!(512)
    );
    let report = deploy(&cloud, &backend, &graph(&[("a", 512)])).await;
    assert!(report.succeeded());
    let deleted: Vec<&str> = report.done.iter().map(|(id, _)| id.as_str()).collect();
    // The function before its role and log group.
    assert_eq!(deleted[0], "b");
    assert_eq!(deleted.len(), 3);
    assert_eq!(cloud.len(), 3);
    assert_eq!(stored(&backend).resources.len(), 3);
}

#[tokio::test]
async fn parallelism_is_bounded_and_pays() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let functions: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 128)).collect();
    let g = graph(&functions);
    let mut times = Vec::new();
    for parallelism in [1, 10] {
        let cloud = Arc::new(FakeCloud::with_latency(Duration::from_millis(5)));
        let backend = MemoryBackend::new();
        let e = engine(&cloud, &backend, parallelism);
        let loaded = e.load("p").expect("loads");
        let plan = diff(&g, &loaded.state);
        let start = Instant::now();
        let report = e.apply(loaded, &plan).await.expect("applies");
        times.push(start.elapsed());
        assert!(report.succeeded());
        assert!(
            cloud.max_in_flight() <= parallelism,
            "{} > {parallelism}",
            cloud.max_in_flight()
        );
        if parallelism == 10 {
            assert!(cloud.max_in_flight() > 1);
        }
    }
    assert!(times[1] * 3 < times[0], "{times:?}");
}

#[tokio::test]
async fn a_failure_stops_new_work_and_a_rerun_converges() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    cloud.fail("create a/role", 1);
    let g = graph(&[("a", 128)]);
    let e = engine(&cloud, &backend, 1);
    let loaded = e.load("p").expect("loads");
    let plan = diff(&g, &loaded.state);
    let report = e.apply(loaded, &plan).await.expect("applies");
    assert!(!report.succeeded());
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "a/role");
    assert!(
        report.failed[0].to_string().contains("injected failure"),
        "{}",
        report.failed[0]
    );
    assert_eq!(report.done, vec![("a/logs".to_string(), Action::Create)]);
    assert_eq!(report.left, vec![("a".to_string(), Action::Create)]);
    // AWS refused the create (an answer with a code): nothing was made, so the state keeps
    // no entry for it, and the next run creates it.
    let state = stored(&backend);
    assert!(state.get("a/role").is_none(), "{state:?}");
    let report = deploy(&cloud, &backend, &g).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(cloud.len(), 3);
    let again = deploy(&cloud, &backend, &g).await;
    assert!(again.done.is_empty());
}

#[tokio::test]
async fn a_stop_request_finishes_the_calls_in_flight_saves_and_starts_nothing_new() {
    let names: Vec<String> = (0..12).map(|i| format!("f{i}")).collect();
    let functions: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 128)).collect();
    let g = graph(&functions);
    let cloud = Arc::new(FakeCloud::with_latency(Duration::from_millis(20)));
    let backend = MemoryBackend::new();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The first finished step asks to stop, as a Ctrl-C in the middle of a run would.
    let asked = Arc::clone(&stop);
    let e = Engine::new(
        Arc::clone(&cloud),
        &backend,
        "dev",
        Options {
            parallelism: 4,
            progress: Arc::new(move |e: &Event| {
                if matches!(e, Event::Done { .. }) {
                    asked.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }),
            stop: Arc::clone(&stop),
            ..Options::default()
        },
    );
    let loaded = e.load("p").expect("loads");
    let plan = diff(&g, &loaded.state);
    let report = e.apply(loaded, &plan).await.expect("applies");
    assert!(report.interrupted && !report.succeeded(), "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    // What was in flight finished and is recorded as done, nothing is pending, and the rest
    // never started.
    assert!(
        !report.done.is_empty() && report.done.len() <= 4,
        "{:?}",
        report.done
    );
    assert_eq!(report.done.len() + report.left.len(), plan.steps.len());
    let state = stored(&backend);
    assert!(state.resources.iter().all(|r| r.status == Status::Applied));
    assert_eq!(state.resources.len(), report.done.len());
    assert_eq!(cloud.len(), report.done.len());
    // The next run carries on from there.
    let report = deploy(&cloud, &backend, &g).await;
    assert!(report.succeeded() && !report.interrupted, "{report:?}");
    assert_eq!(cloud.len(), plan.steps.len());
}

#[tokio::test]
async fn a_crash_after_create_is_adopted_not_duplicated() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let g = graph(&[("a", 128)]);
    deploy(&cloud, &backend, &g).await;
    // What a crash right after a create's call leaves: a pending entry, the resource made.
    let g2 = graph(&[("a", 128), ("b", 128)]);
    let mut state = stored(&backend);
    let serial = state.serial;
    let plan = diff(&g2, &state);
    let step = plan.step("b/logs").expect("planned");
    state.mark_pending(step);
    state.serial += 1;
    backend.save("dev", &state, Some(serial)).expect("saves");
    // What the crashed create made carries this instance's tags (they are set in the create
    // call itself).
    let mut tags = tags("b/logs");
    tags["infrac:instance"] = json!(state.instance.clone().expect("an instance id"));
    cloud.tamper(
        ResourceType::LogGroup,
        "/aws/lambda/p-dev-b",
        Some(json!({"properties": {"tags": tags}, "outputs": {"arn": "arn:x"}})),
    );
    cloud.clear_calls();
    let report = deploy(&cloud, &backend, &g2).await;
    assert!(report.succeeded(), "{report:?}");
    let calls = cloud.calls();
    assert!(calls.contains(&"update b/logs".to_string()), "{calls:?}");
    assert!(!calls.contains(&"create b/logs".to_string()), "{calls:?}");
    assert_eq!(cloud.len(), 6);
    assert!(deploy(&cloud, &backend, &g2).await.done.is_empty());
}

#[tokio::test]
async fn a_crash_during_delete_is_finished() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deploy(&cloud, &backend, &graph(&[("a", 128), ("b", 128)])).await;
    let mut state = stored(&backend);
    let serial = state.serial;
    let plan = diff(&graph(&[("a", 128)]), &state);
    state.mark_pending(plan.step("b").expect("delete b"));
    state.serial += 1;
    backend.save("dev", &state, Some(serial)).expect("saves");
    cloud.tamper(ResourceType::LambdaFunction, "p-dev-b", None);
    let report = deploy(&cloud, &backend, &graph(&[("a", 128)])).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(cloud.len(), 3);
    assert_eq!(stored(&backend).resources.len(), 3);
}

#[tokio::test]
async fn refresh_recreates_what_is_gone_and_updates_what_drifted() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let g = graph(&[("a", 128)]);
    deploy(&cloud, &backend, &g).await;
    cloud.tamper(ResourceType::LogGroup, "/aws/lambda/p-dev-a", None);
    let mut f = cloud
        .get(ResourceType::LambdaFunction, "p-dev-a")
        .expect("a");
    f["properties"]["memory"] = json!(1024);
    cloud.tamper(ResourceType::LambdaFunction, "p-dev-a", Some(f));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let e = Engine::new(
        Arc::clone(&cloud),
        &backend,
        "dev",
        Options {
            parallelism: 4,
            progress: Arc::new(move |e: &Event| sink.lock().expect("lock").push(e.clone())),
            ..Options::default()
        },
    );
    let mut loaded = e.load("p").expect("loads");
    let outcomes = e.refresh(&mut loaded.state).await.expect("refreshes");
    assert!(outcomes.contains(&("a/logs".to_string(), Refreshed::Gone)));
    assert!(outcomes.contains(&("a".to_string(), Refreshed::Drifted(vec!["memory".into()]))));
    let plan = diff(&g, &loaded.state);
    let actions: Vec<(&str, Action)> = plan
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.action))
        .collect();
    assert!(actions.contains(&("a/logs", Action::Create)), "{actions:?}");
    assert!(actions.contains(&("a", Action::Update)), "{actions:?}");
    let report = e.apply(loaded, &plan).await.expect("applies");
    assert!(report.succeeded());
    assert_eq!(
        cloud
            .get(ResourceType::LambdaFunction, "p-dev-a")
            .expect("a")["properties"]["memory"],
        json!(128)
    );
    assert!(events
        .lock()
        .expect("lock")
        .iter()
        .any(|e| matches!(e, Event::Done { id, .. } if id == "a")));
}

#[tokio::test]
async fn destroy_deletes_everything_in_reverse_order() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deploy(&cloud, &backend, &graph(&[("a", 128), ("b", 128)])).await;
    let e = engine(&cloud, &backend, 10);
    let loaded = e.load("p").expect("loads");
    let plan = destroy_plan(&loaded.state);
    assert_eq!(plan.summary.delete, 6);
    let report = e.apply(loaded, &plan).await.expect("applies");
    assert!(report.succeeded());
    let pos = |id: &str| report.done.iter().position(|(d, _)| d == id).expect("done");
    assert!(pos("a") < pos("a/role") && pos("a/role") < pos("a/logs"));
    assert!(cloud.is_empty());
    assert!(stored(&backend).resources.is_empty());
}

#[tokio::test]
async fn a_replace_deletes_then_creates() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deploy(&cloud, &backend, &graph(&[("a", 128)])).await;
    // Another name for the log group: a replace, and the role that names it is updated.
    let mut g = ResourceGraph::new("p", "dev");
    for n in graph(&[("a", 128)]).nodes() {
        let mut n = n.clone();
        if n.id == "a/logs" {
            n.name = "/aws/lambda/other".into();
            n.properties = Arc::new(json!({"name": "/aws/lambda/other"}));
        }
        g.add(n).expect("adds");
    }
    let report = deploy(&cloud, &backend, &g).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(report.done[0], ("a/logs".to_string(), Action::Replace));
    assert_eq!(
        cloud.names(ResourceType::LogGroup),
        vec!["/aws/lambda/other".to_string()]
    );
    let role = cloud
        .get(ResourceType::IamRole, "p-dev-a-role")
        .expect("role");
    assert_eq!(
        role["properties"]["logs"],
        Value::String("arn:fake:aws:logs:LogGroup:/aws/lambda/other".into())
    );
    assert!(deploy(&cloud, &backend, &g).await.done.is_empty());
}

/// Puts a resource of someone else under `name`: no tags, or tags of another instance.
fn foreign(cloud: &FakeCloud, ty: ResourceType, name: &str, tags: &Value) -> Value {
    let properties = json!({"properties": {"name": name, "memory": 999, "tags": tags}, "outputs": {"arn": "arn:theirs"}});
    cloud.tamper(ty, name, Some(properties.clone()));
    properties
}

fn other_instance(id: &str) -> Value {
    let mut t = tags(id);
    t["infrac:instance"] = json!("0123456789ab");
    t
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_stays_pending_and_is_adopted_by_its_tags() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let g = graph(&[("a", 128)]);
    // The role is made, but the answer times out: the run cannot know.
    cloud.lose_answer("create a/role", 1);
    let report = deploy(&cloud, &backend, &g).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(
        stored(&backend).get("a/role").expect("kept").status,
        Status::PendingCreate
    );
    cloud.clear_calls();
    let report = deploy(&cloud, &backend, &g).await;
    assert!(report.succeeded(), "{report:?}");
    let calls = cloud.calls();
    assert!(calls.contains(&"tags a/role".to_string()), "{calls:?}");
    assert!(calls.contains(&"update a/role".to_string()), "{calls:?}");
    assert!(!calls.contains(&"create a/role".to_string()), "{calls:?}");
    assert_eq!(cloud.len(), 3);
}

#[tokio::test]
async fn a_pending_create_is_not_adopted_when_the_name_is_someone_elses() {
    for theirs in [json!({}), other_instance("a/role")] {
        let cloud = Arc::new(FakeCloud::new());
        let backend = MemoryBackend::new();
        let g = graph(&[("a", 128)]);
        cloud.lose_answer("create a/role", 1);
        deploy(&cloud, &backend, &g).await;
        // Someone else's role under the name, where the lost create's was expected.
        let before = foreign(&cloud, ResourceType::IamRole, "p-dev-a-role", &theirs);
        let report = deploy(&cloud, &backend, &g).await;
        assert_eq!(report.failed.len(), 1, "{report:?}");
        let message = report.failed[0].to_string();
        assert!(
            message.contains("`p-dev-a-role` (aws:iam:Role) already exists and does not belong to stack dev of project p"),
            "{message}"
        );
        assert_eq!(
            cloud.get(ResourceType::IamRole, "p-dev-a-role"),
            Some(before.clone())
        );
        assert!(stored(&backend).get("a/role").is_none());
        // The next run tries to create it, is refused, and still leaves it alone.
        let report = deploy(&cloud, &backend, &g).await;
        let message = report.failed[0].to_string();
        assert!(
            message.contains("does not belong to stack dev"),
            "{message}"
        );
        assert_eq!(
            cloud.get(ResourceType::IamRole, "p-dev-a-role"),
            Some(before)
        );
        assert!(stored(&backend).get("a/role").is_none());
        // Destroy deletes what is ours, and not theirs.
        let e = engine(&cloud, &backend, 10);
        let loaded = e.load("p").expect("loads");
        let report = e
            .apply(loaded, &destroy_plan(&stored(&backend)))
            .await
            .expect("applies");
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(
            cloud.names(ResourceType::IamRole),
            vec!["p-dev-a-role".to_string()]
        );
        assert_eq!(cloud.len(), 1);
    }
}

#[tokio::test]
async fn a_resource_taken_over_since_the_deploy_is_neither_updated_nor_deleted() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deploy(&cloud, &backend, &graph(&[("a", 128)])).await;
    // Ours was deleted out of band and someone else's made under the name.
    let theirs = foreign(
        &cloud,
        ResourceType::LambdaFunction,
        "p-dev-a",
        &other_instance("a"),
    );
    let report = deploy(&cloud, &backend, &graph(&[("a", 512)])).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].phase, infrac_deploy::Phase::Updating);
    assert!(report.failed[0].to_string().contains(
        "`p-dev-a` (aws:lambda:Function) already exists and does not belong to stack dev of project p (its tags say stack dev of project p, instance 0123456789ab"
    ), "{}", report.failed[0]);
    assert_eq!(
        cloud.get(ResourceType::LambdaFunction, "p-dev-a"),
        Some(theirs.clone())
    );
    assert!(stored(&backend).get("a").is_none());
    // Destroy deletes the role and log group, never the function.
    let e = engine(&cloud, &backend, 10);
    let loaded = e.load("p").expect("loads");
    let report = e
        .apply(loaded, &destroy_plan(&stored(&backend)))
        .await
        .expect("applies");
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(cloud.len(), 1);
    assert_eq!(
        cloud.get(ResourceType::LambdaFunction, "p-dev-a"),
        Some(theirs)
    );
}

#[tokio::test]
async fn destroy_stops_at_a_resource_that_is_not_ours_and_forgets_it() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    deploy(&cloud, &backend, &graph(&[("a", 128)])).await;
    let theirs = foreign(
        &cloud,
        ResourceType::LogGroup,
        "/aws/lambda/p-dev-a",
        &json!({"team": "data"}),
    );
    let e = engine(&cloud, &backend, 10);
    let loaded = e.load("p").expect("loads");
    let report = e
        .apply(loaded, &destroy_plan(&stored(&backend)))
        .await
        .expect("applies");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].to_string().contains("`/aws/lambda/p-dev-a` (aws:logs:LogGroup) already exists and does not belong to stack dev of project p (it has no infrac tags"), "{}", report.failed[0]);
    assert_eq!(
        cloud.get(ResourceType::LogGroup, "/aws/lambda/p-dev-a"),
        Some(theirs)
    );
    assert!(stored(&backend).resources.is_empty());
}

#[tokio::test]
async fn types_aws_cannot_tag_follow_their_parent() {
    let o = origin("media");
    let mut g = ResourceGraph::new("p", "dev");
    g.add(Node::new(
        "media",
        ResourceType::S3Bucket,
        "p-dev-media".to_string(),
        json!({"name": "p-dev-media", "tags": tags("media")}),
        &[],
        &o,
    ))
    .expect("adds");
    g.add(Node::new(
        "media/notifications",
        ResourceType::S3BucketNotification,
        "p-dev-media".to_string(),
        json!({"bucket": "p-dev-media"}),
        &["media"],
        &o,
    ))
    .expect("adds");
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    assert!(deploy(&cloud, &backend, &g).await.succeeded());
    // Someone else's bucket under the name now: its notification is not ours either.
    foreign(&cloud, ResourceType::S3Bucket, "p-dev-media", &json!({}));
    let e = engine(&cloud, &backend, 10);
    let loaded = e.load("p").expect("loads");
    let report = e
        .apply(loaded, &destroy_plan(&stored(&backend)))
        .await
        .expect("applies");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].to_string().contains("`p-dev-media` (aws:s3:BucketNotification) already exists and does not belong to stack dev of project p (it has no infrac tags"), "{}", report.failed[0]);
    assert!(cloud
        .get(ResourceType::S3BucketNotification, "p-dev-media")
        .is_some());
    assert!(cloud.get(ResourceType::S3Bucket, "p-dev-media").is_some());
}

#[tokio::test]
async fn a_state_from_before_instance_ids_gets_one_and_keeps_its_resources() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let g = graph(&[("a", 128)]);
    deploy(&cloud, &backend, &g).await;
    // What an older infrac left: no instance in the state, none in the tags.
    let mut state = stored(&backend);
    let serial = state.serial;
    state.instance = None;
    state.serial += 1;
    backend.save("dev", &state, Some(serial)).expect("saves");
    let mut f = cloud
        .get(ResourceType::LambdaFunction, "p-dev-a")
        .expect("a");
    f["properties"]["tags"]
        .as_object_mut()
        .expect("tags")
        .remove("infrac:instance");
    cloud.tamper(ResourceType::LambdaFunction, "p-dev-a", Some(f));
    let report = deploy(&cloud, &backend, &graph(&[("a", 512)])).await;
    assert!(report.succeeded(), "{report:?}");
    let instance = stored(&backend).instance.expect("given an instance id");
    assert_eq!(instance.len(), 12);
    let f = cloud
        .get(ResourceType::LambdaFunction, "p-dev-a")
        .expect("a");
    assert_eq!(f["properties"]["tags"]["infrac:instance"], json!(instance));
    assert_eq!(f["properties"]["memory"], json!(512));
}

/// `infrac import`: a function made by hand (untagged, other settings) is tagged and recorded;
/// the next plan updates it (applying every input) and a deploy makes it the program's. One of
/// another stack is refused and keeps its tags; the state is not changed by a refusal.
#[tokio::test]
async fn import_tags_what_is_unclaimed_and_refuses_what_another_stack_owns() {
    let cloud = Arc::new(FakeCloud::new());
    let backend = MemoryBackend::new();
    let g = graph(&[("a", 128), ("b", 128)]);
    cloud.tamper(
        ResourceType::LambdaFunction,
        "p-dev-a",
        Some(json!({"properties": {"name": "p-dev-a", "memory": 1024, "timeout": 3, "tags": {"team": "x"}},
                    "outputs": {"arn": "arn:fake:lambda:p-dev-a"}})),
    );
    let theirs = json!({"infrac:id": "b", "infrac:project": "p", "infrac:stack": "prod"});
    cloud.tamper(
        ResourceType::LambdaFunction,
        "p-dev-b",
        Some(
            json!({"properties": {"name": "p-dev-b", "memory": 128, "timeout": 3, "tags": theirs},
                    "outputs": {"arn": "arn:fake:lambda:p-dev-b"}}),
        ),
    );
    let e = engine(&cloud, &backend, 10);
    let mut loaded = e.load("p").expect("loads");
    let node = |id: &str| g.get(id).expect("node").clone();

    let refused = e
        .import(&mut loaded.state, &node("b"), "p-dev-b")
        .await
        .expect_err("another stack's");
    assert!(
        refused.contains(
            "does not belong to stack dev of project p (its tags say stack prod of project p"
        ),
        "{refused}"
    );
    assert!(loaded.state.resources.is_empty());
    let b = cloud
        .get(ResourceType::LambdaFunction, "p-dev-b")
        .expect("b");
    assert_eq!(b["properties"]["tags"], theirs);
    let err = e
        .import(&mut loaded.state, &node("a/logs"), "/aws/lambda/p-dev-a")
        .await
        .expect_err("no such log group");
    assert_eq!(
        err,
        "there is no aws:logs:LogGroup named `/aws/lambda/p-dev-a` in account 123456789012 in region us-east-1"
    );

    let imported = e
        .import(&mut loaded.state, &node("a"), "p-dev-a")
        .await
        .expect("imports");
    assert!(imported.tagged);
    let a = cloud
        .get(ResourceType::LambdaFunction, "p-dev-a")
        .expect("a");
    let instance = loaded.state.instance.clone().expect("instance");
    assert_eq!(
        a["properties"]["tags"],
        json!({"team": "x", "infrac:id": "a", "infrac:project": "p", "infrac:stack": "dev", "infrac:instance": instance})
    );
    let entry = loaded.state.get("a").expect("recorded");
    assert!(entry.imported);
    // What the fake reads back (memory) is what AWS has; the rest is the program's.
    assert_eq!(entry.inputs["memory"], json!(1024));
    let again = e
        .import(&mut loaded.state, &node("a"), "p-dev-a")
        .await
        .expect_err("in the state already");
    assert!(
        again.starts_with("`a` is in the state of stack dev already"),
        "{again}"
    );

    let plan = diff(&graph(&[("a", 128)]), &loaded.state);
    let step = plan.steps.iter().find(|s| s.id == "a").expect("a planned");
    assert_eq!(step.action, Action::Update);
    assert!(step
        .reason
        .as_deref()
        .is_some_and(|r| r.starts_with("imported")));
    let report = e.apply(loaded, &plan).await.expect("applies");
    assert!(report.succeeded(), "{report:?}");
    let a = cloud
        .get(ResourceType::LambdaFunction, "p-dev-a")
        .expect("a");
    assert_eq!(a["properties"]["memory"], json!(128));
    let state = stored(&backend);
    assert!(!state.get("a").expect("a").imported, "deployed since");
    assert!(diff(&graph(&[("a", 128)]), &state).is_empty());
}
