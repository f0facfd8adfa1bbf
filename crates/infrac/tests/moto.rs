#![allow(
    clippy::many_single_char_names,
    clippy::redundant_closure_for_method_calls,
    clippy::bool_assert_comparison,
    clippy::map_unwrap_or,
    clippy::needless_pass_by_value
)]
//! Deploys against moto's server (started here on 127.0.0.1), with the real `infrac` binary
//! and the real SDK clients; what AWS would hold is checked through the SDK, never through
//! infrac's own state. Skips, loudly, only when `moto_server` is not installed
//! (`scripts/test.sh` installs it).

mod support;

use infrac_aws::S3Backend;
use infrac_state::contract;
use infrac_state::{StateBackend, StateError};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::moto::*;

const STACK: &str = "dev";

#[test]
fn thumbnailer_deploys_updates_deletes_and_destroys() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("thumbs-a");
    let p = dir.path().to_str().expect("utf-8 path");
    let out = ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert!(out.contains("Deployed: 15 created"), "{out}");
    assert!(out.contains("bucket_name = thumbs-a-dev-media-"), "{out}");
    let rt = runtime();
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let state = state(dir.path(), STACK);
        let bucket = state.get("media").expect("bucket").physical_id.clone();
        // The bucket: public access blocked, SSE-S3, the Lambda notification.
        let pab = sdk.s3.get_public_access_block().bucket(&bucket).send().await.expect("pab");
        let c = pab.public_access_block_configuration().expect("configured");
        assert_eq!((c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()), (Some(true), Some(true), Some(true), Some(true)));
        let enc = sdk.s3.get_bucket_encryption().bucket(&bucket).send().await.expect("encryption");
        let rule = &enc.server_side_encryption_configuration().expect("sse").rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().map(|d| d.sse_algorithm().as_str()), Some("AES256"));
        let n = sdk.s3.get_bucket_notification_configuration().bucket(&bucket).send().await.expect("notifications");
        let lambdas = n.lambda_function_configurations();
        assert_eq!(lambdas.len(), 1);
        assert!(lambdas[0].lambda_function_arn().ends_with(":function:thumbs-a-dev-on_thumbnail"), "{lambdas:?}");
        assert_eq!(lambdas[0].events().iter().map(|e| e.as_str()).collect::<Vec<_>>(), vec!["s3:ObjectCreated:*"]);
        let rules = lambdas[0].filter().and_then(|f| f.key()).map(|k| k.filter_rules().to_vec()).unwrap_or_default();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].value(), Some(".jpg"));
        // moto (5.2) keeps the EventBridge switch but never returns it through the S3 API;
        // AWS Config's record of the bucket shows it.
        let recorded = config_notifications(&moto.url, &bucket);
        assert_eq!(recorded["configurations"]["EventBridgeConfiguration"], json!({}), "{recorded}");

        // The function's settings and its S3 permission.
        let f = sdk.lambda.get_function_configuration().function_name("thumbs-a-dev-on_thumbnail").send().await.expect("function");
        assert_eq!(f.runtime().map(|r| r.as_str()), Some("nodejs24.x"));
        assert_eq!(f.handler(), Some("index.handler"));
        assert_eq!((f.timeout(), f.memory_size()), (Some(30), Some(128)));
        assert!(f.role().unwrap_or_default().ends_with(":role/thumbs-a-dev-on_thumbnail-role"));
        let policy: Value = serde_json::from_str(sdk.lambda.get_policy().function_name("thumbs-a-dev-on_thumbnail").send().await.expect("policy").policy().expect("text")).expect("json");
        let st = &policy["Statement"][0];
        assert_eq!(st["Principal"]["Service"], json!("s3.amazonaws.com"));
        assert_eq!(st["Action"], json!("lambda:InvokeFunction"));
        assert_eq!(st["Condition"]["ArnLike"]["AWS:SourceArn"], json!(format!("arn:aws:s3:::{bucket}")));

        // The task definition.
        let td = sdk.ecs.describe_task_definition().task_definition("thumbs-a-dev-ffmpeg").send().await.expect("task definition");
        let td = td.task_definition().expect("one");
        assert_eq!((td.cpu(), td.memory()), (Some("256"), Some("512")));
        assert_eq!(td.network_mode().map(|m| m.as_str()), Some("awsvpc"));
        let c = &td.container_definitions()[0];
        assert_eq!(c.image(), Some("public.ecr.aws/docker/library/alpine:3.20"));
        let env: Vec<(String, String)> = c.environment().iter().map(|e| (e.name().unwrap_or_default().into(), e.value().unwrap_or_default().into())).collect();
        assert_eq!(env, vec![("S3_BUCKET".to_string(), bucket.clone())]);

        // The bucket -> task rule: its pattern and its ECS target with the input transformer.
        let rule_name = state.get("trigger/media.on_put(.mp4)->ffmpeg/rule").expect("rule").physical_id.clone();
        let r = sdk.events.describe_rule().name(&rule_name).send().await.expect("rule");
        let pattern: Value = serde_json::from_str(r.event_pattern().expect("pattern")).expect("json");
        assert_eq!(pattern, json!({"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"suffix": ".mp4"}]}}}));
        let targets = sdk.events.list_targets_by_rule().rule(&rule_name).send().await.expect("targets");
        let t = &targets.targets()[0];
        assert!(t.arn().ends_with(":cluster/thumbs-a-dev"), "{t:?}");
        let ecs = t.ecs_parameters().expect("ecs");
        assert!(ecs.task_definition_arn().contains(":task-definition/thumbs-a-dev-ffmpeg:"));
        assert_eq!(ecs.launch_type().map(|l| l.as_str()), Some("FARGATE"));
        let subnets = ecs.network_configuration().and_then(|n| n.awsvpc_configuration()).map(|a| a.subnets().to_vec()).unwrap_or_default();
        assert!(!subnets.is_empty() && subnets.iter().all(|s| s.starts_with("subnet-")), "{subnets:?}");
        let it = t.input_transformer().expect("transformer");
        assert_eq!(it.input_paths_map().and_then(|m| m.get("key")).map(String::as_str), Some("$.detail.object.key"));
        let template: Value = serde_json::from_str(&it.input_template().replace("<key>", "K")).expect("template is JSON");
        assert_eq!(template["containerOverrides"][0]["environment"][0], json!({"name": "INPUT_VIDEO", "value": "K"}));
        assert_eq!(template["containerOverrides"][0]["environment"][1], json!({"name": "OUTPUT_FILE", "value": "K.jpg"}));
        // The schedule rule.
        let nightly = sdk.events.describe_rule().name("thumbs-a-dev-nightly").send().await.expect("schedule");
        assert_eq!(nightly.schedule_expression(), Some("cron(0 3 * * ? *)"));
        let nt = sdk.events.list_targets_by_rule().rule("thumbs-a-dev-nightly").send().await.expect("targets");
        assert_eq!(nt.targets().len(), 1);
        assert!(nt.targets()[0].input_transformer().is_none());

        // The roles' policies: exact actions and resources.
        let doc = |text: &str| -> Value { serde_json::from_str(&urldecode(text)).expect("policy JSON") };
        let task = sdk.iam.get_role_policy().role_name("thumbs-a-dev-ffmpeg-task").policy_name("infrac").send().await.expect("task policy");
        let statements: Vec<(Value, Value)> = doc(task.policy_document())["Statement"].as_array().expect("statements").iter().map(|s| (s["Action"].clone(), s["Resource"].clone())).collect();
        assert_eq!(statements, vec![
            (json!(["s3:GetObject"]), json!([format!("arn:aws:s3:::{bucket}/*")])),
            (json!(["s3:ListBucket"]), json!([format!("arn:aws:s3:::{bucket}")])),
            (json!(["s3:PutObject"]), json!([format!("arn:aws:s3:::{bucket}/*.jpg")])),
        ]);
        let f_role = sdk.iam.get_role_policy().role_name("thumbs-a-dev-on_thumbnail-role").policy_name("infrac").send().await.expect("function policy");
        let d = doc(f_role.policy_document());
        assert_eq!(d["Statement"][0]["Action"], json!(["logs:CreateLogStream", "logs:PutLogEvents"]));
        assert_eq!(d["Statement"][0]["Resource"], json!(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/thumbs-a-dev-on_thumbnail:log-stream:*"]));
        let events_role = state.get("trigger/media.on_put(.mp4)->ffmpeg/role").expect("role").physical_id.clone();
        let e = sdk.iam.get_role_policy().role_name(&events_role).policy_name("infrac").send().await.expect("events policy");
        let d = doc(e.policy_document());
        assert_eq!(d["Statement"][0]["Action"], json!(["ecs:RunTask"]));
        assert_eq!(d["Statement"][0]["Resource"], json!([ecs.task_definition_arn()]));
        assert_eq!(d["Statement"][1]["Action"], json!(["iam:PassRole"]));
        assert_eq!(d["Statement"][1]["Resource"].as_array().map(Vec::len), Some(2));
        assert_eq!(sdk.iam.get_role().role_name("thumbs-a-dev-ffmpeg-task").send().await.is_ok(), true);
    });

    // The plan after a deploy is empty (refreshed from AWS), and a no-op deploy only reads.
    let out = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = dir.path().join("calls.log");
    let out = ok(infrac(
        &moto.url,
        &["deploy", p, "--yes"],
        &[("INFRAC_TEST_CALL_LOG", log.to_str().expect("utf-8"))],
    ));
    assert!(out.contains("No changes"), "{out}");
    let calls = std::fs::read_to_string(&log).expect("calls logged");
    let mutating: Vec<&str> = calls.lines().filter(|l| !is_read(l)).collect();
    assert!(
        mutating.is_empty(),
        "a no-op deploy made changing calls: {mutating:?}"
    );
    assert!(calls.lines().count() > 10, "{calls}");

    // One changed attribute is one update.
    edit(dir.path(), "timeout = 30s", "timeout = 60s");
    let plan = infrac(&moto.url, &["plan", p, "--format", "json"], &[]);
    let plan: Value = serde_json::from_slice(&plan.stdout).expect("plan json");
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 1, "replace": 0, "delete": 0})
    );
    assert_eq!(plan["steps"][0]["id"], json!("on_thumbnail"));
    assert_eq!(
        plan["steps"][0]["changes"],
        json!([{"path": "timeout", "old": 30, "new": 60}])
    );
    let out = ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert!(out.contains("Deployed: 0 created, 1 updated"), "{out}");
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let f = sdk
            .lambda
            .get_function_configuration()
            .function_name("thumbs-a-dev-on_thumbnail")
            .send()
            .await
            .expect("function");
        assert_eq!(f.timeout(), Some(60));
    });

    // A removed declaration is deleted: the schedule and its trigger.
    edit(
        dir.path(),
        "schedule nightly {\n  cron = \"0 3 * * *\"\n}",
        "",
    );
    edit(dir.path(), "nightly.on_tick() -> task ffmpeg", "");
    let out = ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert!(out.contains("2 deleted"), "{out}");
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert!(sdk
            .events
            .describe_rule()
            .name("thumbs-a-dev-nightly")
            .send()
            .await
            .is_err());
        let left = tagged(&sdk, "thumbs-a", STACK).await;
        assert!(
            !left.iter().any(|(_, _, id)| id.contains("nightly")),
            "{left:?}"
        );
    });
    let out = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Outputs, from the state.
    let out = ok(infrac(&moto.url, &["outputs", p, "--json"], &[]));
    assert!(
        out.contains("\"bucket_name\":\"thumbs-a-dev-media-"),
        "{out}"
    );

    // Destroy leaves nothing tagged with the stack.
    let out = ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
    assert!(out.contains("13 deleted"), "{out}");
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(tagged(&sdk, "thumbs-a", STACK).await, vec![]);
    });
    assert!(state(dir.path(), STACK).resources.is_empty());
}

fn urldecode(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_string();
    }
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a logged call (`service Operation`) only reads.
fn is_read(line: &str) -> bool {
    let op = line.rsplit(' ').next().unwrap_or("");
    ["Get", "List", "Describe", "Head"]
        .iter()
        .any(|p| op.starts_with(p))
}

#[test]
fn a_bucket_with_objects_is_kept_without_force_destroy() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("thumbs-b");
    let p = dir.path().to_str().expect("utf-8 path");
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let bucket = state(dir.path(), STACK)
        .get("media")
        .expect("bucket")
        .physical_id
        .clone();
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        sdk.s3
            .put_object()
            .bucket(&bucket)
            .key("a.jpg")
            .body(b"x".to_vec().into())
            .send()
            .await
            .expect("puts");
    });
    let out = infrac(&moto.url, &["destroy", p, "--yes"], &[]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("still holds objects") && t.contains("force_destroy"),
        "{t}"
    );
    assert!(t.contains("nothing was changed"), "{t}");
    assert_eq!(state(dir.path(), STACK).resources.len(), 15);
    edit(
        dir.path(),
        "versioning = false",
        "versioning = false\n  force_destroy = true",
    );
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let out = ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
    assert!(out.contains("15 deleted"), "{out}");
}

#[test]
fn a_build_task_without_docker_stops_before_changing_anything() {
    let Some(moto) = moto() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/thumbnailer"),
        dir.path(),
    );
    std::fs::write(
        dir.path().join("infra.toml"),
        "name = \"thumbs-c\"\nregion = \"us-east-1\"\n",
    )
    .expect("writes");
    let p = dir.path().to_str().expect("utf-8 path");
    let out = infrac(
        &moto.url,
        &["deploy", p, "--yes"],
        &[("INFRAC_DOCKER", "/nonexistent/docker")],
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("needs a Docker engine") && t.contains("nothing was changed"),
        "{t}"
    );
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(tagged(&sdk, "thumbs-c", STACK).await, vec![]);
    });
    // `plan` still works.
    ok(infrac(&moto.url, &["plan", p], &[]));
}

#[test]
fn a_second_deploy_of_the_stack_refuses_and_names_the_holder() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("thumbs-d");
    let p = dir.path().to_str().expect("utf-8 path").to_string();
    // Slow calls keep the first deploy running while the second starts.
    let proxy = FaultProxy::start(
        &moto.url,
        Duration::from_millis(150),
        Arc::new(|_, _| Fault::Pass),
    );
    let url = proxy.url.clone();
    let p1 = p.clone();
    let first = std::thread::spawn(move || infrac(&url, &["deploy", &p1, "--yes"], &[]));
    let lock = dir.path().join(".infra/state/dev.lock");
    let start = Instant::now();
    while !lock.exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = infrac(&proxy.url, &["deploy", &p, "--yes"], &[]);
    let t = text(&second);
    assert!(!second.status.success(), "{t}");
    assert!(
        t.contains("locked by") && t.contains("pid") && t.contains("deploy since"),
        "{t}"
    );
    let first = first.join().expect("first deploy");
    assert!(first.status.success(), "{}", text(&first));
    assert!(!lock.exists());
    ok(infrac(&moto.url, &["destroy", &p, "--yes"], &[]));
}

#[test]
fn killed_at_many_points_then_deployed_again_converges() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("thumbs-k");
    let p = dir.path().to_str().expect("utf-8 path");
    // How many calls a whole deploy makes.
    let log = dir.path().join("calls.log");
    let logged = log.to_str().expect("utf-8").to_string();
    ok(infrac(
        &moto.url,
        &["deploy", p, "--yes", "--stack", "count"],
        &[("INFRAC_TEST_CALL_LOG", &logged)],
    ));
    let total = std::fs::read_to_string(&log).expect("log").lines().count();
    ok(infrac(
        &moto.url,
        &["destroy", p, "--yes", "--stack", "count"],
        &[],
    ));
    assert!(total > 30, "{total}");
    let rt = runtime();
    let points: Vec<usize> = (1..total).step_by((total / 12).max(1)).collect();
    for (i, &kill_after) in points.iter().enumerate() {
        let stack = format!("k{i}");
        let killed = infrac(
            &moto.url,
            &["deploy", p, "--yes", "--stack", &stack],
            &[("INFRAC_TEST_KILL_AFTER_CALLS", &kill_after.to_string())],
        );
        assert!(
            !killed.status.success(),
            "not killed after {kill_after} calls"
        );
        // The lock of the killed run stays; it is cleared as a person would.
        ok(infrac(
            &moto.url,
            &["state", "unlock", p, "--stack", &stack],
            &[],
        ));
        let again = ok(infrac(
            &moto.url,
            &["deploy", p, "--yes", "--stack", &stack],
            &[],
        ));
        assert!(again.contains("Deployed:"), "{again}");
        let st = state(dir.path(), &stack);
        assert!(st
            .resources
            .iter()
            .all(|r| r.status == infrac_plan::Status::Applied));
        let plan = infrac(
            &moto.url,
            &["plan", p, "--stack", &stack, "--detailed-exitcode"],
            &[],
        );
        assert_eq!(
            plan.status.code(),
            Some(0),
            "killed after {kill_after}: {}",
            text(&plan)
        );
        rt.block_on(async {
            let sdk = sdk(&moto.url).await;
            let found = tagged(&sdk, "thumbs-k", &stack).await;
            let ids: Vec<&str> = found.iter().map(|(_, _, id)| id.as_str()).collect();
            let unique: BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!(
                ids.len(),
                unique.len(),
                "killed after {kill_after}: duplicated: {found:?}"
            );
            for id in &unique {
                assert!(
                    st.get(id).is_some(),
                    "killed after {kill_after}: `{id}` orphaned: {found:?}"
                );
            }
            let taggable = st
                .resources
                .iter()
                .filter(|r| r.ty.taggable() && r.ty != infrac_plan::ResourceType::EcrRepository)
                .count();
            assert_eq!(
                unique.len(),
                taggable,
                "killed after {kill_after}: {found:?}"
            );
        });
        ok(infrac(
            &moto.url,
            &["destroy", p, "--yes", "--stack", &stack],
            &[],
        ));
    }
    eprintln!(
        "killed at {} points of {total} calls: {points:?}",
        points.len()
    );
}

#[test]
fn throttled_and_failing_calls_are_retried_or_stop_cleanly() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("thumbs-f");
    let p = dir.path().to_str().expect("utf-8 path");
    // Every 5th call throttled, every 7th failed, on first attempts only: the SDK's retries
    // absorb them. (Faulting by the call counter alone would let parallel calls' retries land
    // on faulting numbers too, and a call could fail all three attempts by chance.)
    let flaky = FaultProxy::start(
        &moto.url,
        Duration::ZERO,
        Arc::new(|n, head| {
            if !head
                .to_ascii_lowercase()
                .contains("amz-sdk-request: attempt=1;")
            {
                Fault::Pass
            } else if n % 5 == 0 {
                Fault::Throttle
            } else if n % 7 == 0 {
                Fault::Fail
            } else {
                Fault::Pass
            }
        }),
    );
    let out = ok(infrac(&flaky.url, &["deploy", p, "--yes"], &[]));
    assert!(out.contains("Deployed: 15 created"), "{out}");
    assert!(flaky.faults.load(std::sync::atomic::Ordering::SeqCst) > 5);
    drop(flaky);
    // Every Lambda call fails, always: the deploy stops, saves, says what failed and what is
    // left, and a rerun without the faults converges.
    edit(dir.path(), "timeout = 30s", "timeout = 45s");
    edit(
        dir.path(),
        "cpu    = 256",
        "cpu    = 256\n  command = [\"run\"]",
    );
    let broken = FaultProxy::start(
        &moto.url,
        Duration::ZERO,
        Arc::new(|_, head: &str| {
            if (head.starts_with("PUT ") || head.starts_with("POST "))
                && head.contains("/functions/")
            {
                Fault::Fail
            } else {
                Fault::Pass
            }
        }),
    );
    let out = infrac(&broken.url, &["deploy", p, "--yes"], &[]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("failed: updating `on_thumbnail` (aws:lambda:Function)"),
        "{t}"
    );
    assert!(
        t.contains("InternalFailure") && t.contains("the state is saved"),
        "{t}"
    );
    assert!(state(dir.path(), STACK).resources.len() == 15);
    drop(broken);
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let plan = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}

/// 50 independent functions behind 100 ms of latency per call: the default parallelism is at
/// least 5 times faster than `--parallelism 1`.
#[test]
fn parallel_deploys_are_at_least_five_times_faster() {
    let Some(moto) = moto() else { return };
    let dir = functions_project("fifty", 50);
    let p = dir.path().to_str().expect("utf-8 path");
    let slow = FaultProxy::start(
        &moto.url,
        Duration::from_millis(100),
        Arc::new(|_, _| Fault::Pass),
    );
    let mut times = Vec::new();
    for (stack, parallelism) in [("parallel", "10"), ("serial", "1")] {
        let start = Instant::now();
        ok(infrac(
            &slow.url,
            &[
                "deploy",
                p,
                "--yes",
                "--stack",
                stack,
                "--parallelism",
                parallelism,
            ],
            &[],
        ));
        times.push(start.elapsed());
    }
    eprintln!(
        "50 functions, 100 ms per call: parallelism 10: {:?}, parallelism 1: {:?}",
        times[0], times[1]
    );
    assert!(times[0] * 5 <= times[1], "{times:?}");
    for stack in ["parallel", "serial"] {
        ok(infrac(
            &moto.url,
            &["destroy", p, "--yes", "--stack", stack],
            &[],
        ));
    }
}

// ---- The S3 state backend -------------------------------------------------------------------

/// A new bucket in moto for state, and an SDK configuration for the backend (its own, so no
/// connection is shared with the checking clients).
fn state_bucket(moto: &Moto, bucket: &str) -> infrac_aws::sdk::SdkConfig {
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        sdk.s3
            .create_bucket()
            .bucket(bucket)
            .send()
            .await
            .expect("creates the state bucket");
        infrac_aws::config::static_config(&moto.url, "us-east-1").await
    })
}

fn s3_backend(config: &infrac_aws::sdk::SdkConfig, bucket: &str, prefix: &str) -> S3Backend {
    S3Backend::new(config, bucket, prefix).expect("backend")
}

/// The body of an object, or `None` when moto has no such object.
fn object(moto: &Moto, bucket: &str, key: &str) -> Option<String> {
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        let out = sdk
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        let bytes = out.body.collect().await.expect("body").to_vec();
        Some(String::from_utf8(bytes).expect("utf-8"))
    })
}

fn keys(moto: &Moto, bucket: &str) -> Vec<String> {
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        let out = sdk
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .expect("lists");
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        keys.sort();
        keys
    })
}

/// What moto 5.2.5 does with conditional PutObject, asked directly through the SDK: the
/// backend relies on exactly these answers. moto checks the condition and then writes, as two
/// steps of a threaded server, so it cannot show that two requests arriving at the same
/// instant are kept apart (AWS documents that they are: one wins, the other gets 412 or 409);
/// the tests here interleave whole requests, which it does show.
#[test]
fn moto_honours_conditional_puts() {
    type PutError = infrac_aws::sdk::s3::error::SdkError<
        infrac_aws::sdk::s3::operation::put_object::PutObjectError,
        infrac_aws::sdk::s3::config::http::HttpResponse,
    >;
    let Some(moto) = moto() else { return };
    let _config = state_bucket(moto, "infrac-conditional-probe");
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        let put = |body: &'static str| {
            sdk.s3
                .put_object()
                .bucket("infrac-conditional-probe")
                .key("k")
                .body(body.as_bytes().to_vec().into())
        };
        let status = |err: &PutError| match err {
            infrac_aws::sdk::s3::error::SdkError::ServiceError(se) => {
                Some(se.raw().status().as_u16())
            }
            _ => None,
        };
        // If-None-Match: * creates once, then refuses.
        let first = put("one").if_none_match("*").send().await.expect("creates");
        let e1 = first.e_tag().expect("etag").to_string();
        let again = put("two")
            .if_none_match("*")
            .send()
            .await
            .expect_err("exists");
        assert_eq!(status(&again), Some(412), "{again:?}");
        // If-Match: the current ETag writes; a stale or made-up one is refused.
        let wrong = put("three")
            .if_match("\"0123\"")
            .send()
            .await
            .expect_err("wrong etag");
        assert_eq!(status(&wrong), Some(412), "{wrong:?}");
        let second = put("four")
            .if_match(&e1)
            .send()
            .await
            .expect("matching etag writes");
        assert_ne!(second.e_tag(), Some(e1.as_str()));
        let stale = put("five")
            .if_match(&e1)
            .send()
            .await
            .expect_err("stale etag");
        assert_eq!(status(&stale), Some(412), "{stale:?}");
    });
    assert_eq!(
        object(moto, "infrac-conditional-probe", "k").as_deref(),
        Some("four")
    );
}

#[test]
fn s3_backend_follows_the_contract() {
    let Some(moto) = moto() else { return };
    let config = state_bucket(moto, "infrac-state-contract");
    let backend = s3_backend(&config, "infrac-state-contract", "/teams/media/");
    assert_eq!(
        backend.location("dev"),
        "s3://infrac-state-contract/teams/media/dev.json"
    );
    contract::check(&backend);
    // What is in the bucket: the state object and the other stack's lock, nothing else.
    assert_eq!(
        keys(moto, "infrac-state-contract"),
        vec!["teams/media/dev.json", "teams/media/prod.lock"]
    );
    let stored =
        object(moto, "infrac-state-contract", "teams/media/dev.json").expect("state object");
    assert_eq!(
        infrac_plan::State::parse(&stored).expect("parses"),
        contract::state(2, "L")
    );
    let lock: Value = serde_json::from_str(
        &object(moto, "infrac-state-contract", "teams/media/prod.lock").expect("lock object"),
    )
    .expect("json");
    assert_eq!(lock["who"], json!("bo@laptop"));
    assert_eq!(lock["pid"], json!(42));
    // A state of another prefix is not one of this prefix's stacks; no prefix is the top.
    let top = s3_backend(&config, "infrac-state-contract", "");
    assert_eq!(top.stacks().expect("stacks"), Vec::<String>::new());
    assert_eq!(top.location("dev"), "s3://infrac-state-contract/dev.json");
    // A missing bucket is an error that says so, never "no state".
    let missing = s3_backend(&config, "infrac-no-such-bucket", "x");
    let err = missing.load("dev").expect_err("no bucket").to_string();
    assert!(
        err.contains("NoSuchBucket") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn s3_backend_two_writers_lose_no_update_and_two_lockers_name_the_holder() {
    let Some(moto) = moto() else { return };
    let config = state_bucket(moto, "infrac-state-race");
    // Two clients, as two machines would have: each its own backend and connections.
    let a = s3_backend(&config, "infrac-state-race", "x");
    let b = s3_backend(&config, "infrac-state-race", "x");
    contract::two_writers(&a, &b);
    contract::two_lockers(&a, &b);
    let stored = object(moto, "infrac-state-race", "x/dev.json").expect("state");
    assert!(
        stored.contains("written-by-a") && !stored.contains("written-by-b"),
        "{stored}"
    );

    // The write is refused by S3 itself, not by a check of the serial: b read serial 3, then
    // someone rewrote serial 3 in place (same serial, other content, as no infrac would); b's
    // serial check passes, and only the If-Match on the ETag it read stops the write.
    let at3 = {
        let mut s = contract::state(3, "L");
        s.resources[0].physical_id = "written-by-a".into();
        s
    };
    a.save("dev", &at3, Some(2)).expect("a writes 3");
    assert_eq!(b.load("dev").expect("loads").map(|s| s.serial), Some(3));
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        let mut other = at3.clone();
        other.resources[0].physical_id = "rewritten-behind-b".into();
        sdk.s3
            .put_object()
            .bucket("infrac-state-race")
            .key("x/dev.json")
            .body(other.to_json().into_bytes().into())
            .send()
            .await
            .expect("rewrites");
    });
    match b.save("dev", &contract::state(4, "L"), Some(3)) {
        Err(StateError::Conflict {
            expected: Some(3),
            found: Some(3),
            ..
        }) => {}
        other => panic!("the ETag must stop b: {other:?}"),
    }
    let stored = object(moto, "infrac-state-race", "x/dev.json").expect("state");
    assert!(stored.contains("rewritten-behind-b"), "{stored}");

    // A lock object that cannot be read still locks.
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        sdk.s3
            .put_object()
            .bucket("infrac-state-race")
            .key("x/prod.lock")
            .body(b"".to_vec().into())
            .send()
            .await
            .expect("puts");
    });
    assert!(matches!(
        a.lock("prod", &contract::holder("ana")),
        Err(StateError::Locked { holder: None, .. })
    ));
    assert_eq!(a.unlock("prod").expect("unlock"), None);
    a.lock("prod", &contract::holder("ana"))
        .expect("locks after unlock");
}

/// A whole deploy with `backend = "s3://..."`: the state lives only in the bucket, the plan
/// after it is empty, `state`, `outputs` and the lock work through S3, and destroy empties it.
#[test]
fn deploys_with_the_state_in_s3() {
    let Some(moto) = moto() else { return };
    let _config = state_bucket(moto, "infrac-team-state");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("code")).expect("mkdir");
    std::fs::write(
        dir.path().join("code/index.js"),
        "exports.handler = async () => 1;\n",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("infra.toml"),
        "name = \"s3state\"\nregion = \"us-east-1\"\n\n[state]\nbackend = \"s3://infrac-team-state/teams/s3state\"\n",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("main.infra"),
        "bucket uploads {\n  versioning = false\n}\n\nfunction resize {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code    = \"./code\"\n  reads uploads\n}\n\nuploads.on_put(\".png\") -> function resize\n\noutput bucket_name = uploads.name\n",
    )
    .expect("writes");
    let p = dir.path().to_str().expect("utf-8 path");
    let out = ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert!(
        out.contains("Deployed:") && out.contains("created"),
        "{out}"
    );
    assert!(
        !dir.path().join(".infra/state").exists(),
        "a local state was written"
    );
    assert_eq!(
        keys(moto, "infrac-team-state"),
        vec!["teams/s3state/dev.json"]
    );
    let stored = infrac_plan::State::parse(
        &object(moto, "infrac-team-state", "teams/s3state/dev.json").expect("state"),
    )
    .expect("parses");
    assert!(
        stored.get("resize").is_some() && stored.get("uploads").is_some(),
        "{stored:?}"
    );
    assert!(stored.serial > 1);

    let plan = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let listed = ok(infrac(&moto.url, &["state", "list", p], &[]));
    assert!(
        listed.contains("resize")
            && listed.contains("s3://infrac-team-state/teams/s3state/dev.json"),
        "{listed}"
    );
    let shown = ok(infrac(&moto.url, &["state", "show", "resize", p], &[]));
    assert!(shown.contains("s3state-dev-resize"), "{shown}");
    let outputs = ok(infrac(&moto.url, &["outputs", p, "--json"], &[]));
    assert!(
        outputs.contains("\"bucket_name\":\"s3state-dev-uploads-"),
        "{outputs}"
    );

    // Someone else's lock in the bucket: deploy refuses at once, naming them; unlock clears it.
    runtime().block_on(async {
        let sdk = sdk(&moto.url).await;
        let lock = r#"{"who": "ana@build-7", "pid": 4242, "since": "2026-11-27T07:00:00Z", "operation": "deploy"}"#;
        sdk.s3.put_object().bucket("infrac-team-state").key("teams/s3state/dev.lock").body(lock.as_bytes().to_vec().into()).send().await.expect("puts the lock");
    });
    let refused = infrac(&moto.url, &["deploy", p, "--yes"], &[]);
    let t = text(&refused);
    assert!(!refused.status.success(), "{t}");
    assert!(
        t.contains("locked by ana@build-7 (pid 4242, deploy since 2026-11-27T07:00:00Z)"),
        "{t}"
    );
    assert!(
        t.contains("s3://infrac-team-state/teams/s3state/dev.lock"),
        "{t}"
    );
    let unlocked = ok(infrac(&moto.url, &["state", "unlock", p], &[]));
    assert!(
        unlocked.contains("it was locked by ana@build-7"),
        "{unlocked}"
    );

    let out = ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
    assert!(out.contains("Destroyed:"), "{out}");
    let after = infrac_plan::State::parse(
        &object(moto, "infrac-team-state", "teams/s3state/dev.json").expect("state"),
    )
    .expect("parses");
    assert!(after.resources.is_empty());
    assert_eq!(
        keys(moto, "infrac-team-state"),
        vec!["teams/s3state/dev.json"]
    );
}

/// On a terminal (a PTY from `script`), deploy and destroy draw one live line per resource and
/// redraw it in place; colour goes with `NO_COLOR`, the redrawing does not.
#[test]
fn progress_on_a_terminal_is_redrawn_in_place() {
    let Some(moto) = moto() else { return };
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("\n!!!!! SKIPPED: no `script` (util-linux) to make a terminal with !!!!!\n");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("code")).expect("mkdir");
    std::fs::write(
        dir.path().join("code/index.js"),
        "exports.handler = async () => 1;\n",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("infra.toml"),
        "name = \"live\"\nregion = \"us-east-1\"\n",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("main.infra"),
        "bucket uploads {\n  versioning = false\n}\n\nfunction resize {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code    = \"./code\"\n  reads uploads\n}\n",
    )
    .expect("writes");
    let p = dir.path().to_str().expect("utf-8 path");
    // Every call takes 300 ms, so each line is drawn while it runs, not only when it ends.
    let slow = FaultProxy::start(
        &moto.url,
        Duration::from_millis(300),
        Arc::new(|_, _| Fault::Pass),
    );
    let on_terminal = |args: &str, no_color: bool| -> (bool, String) {
        let mut cmd = aws_command("script", &slow.url);
        cmd.args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_infrac")),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .stdin(Stdio::null());
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.output().expect("script runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (success, out) = on_terminal(&format!("deploy {p} --yes"), false);
    assert!(success, "{out}");
    // The board: every resource waiting at first, then running with a clock, then done.
    assert!(out.contains("waiting"), "{out:?}");
    assert!(out.contains("creating 0."), "{out:?}");
    assert!(out.contains("created in"), "{out:?}");
    // Redrawn in place: the cursor goes back up over the board and lines are cleared.
    assert!(
        out.contains("\x1b[2K") && out.contains("A\x1b[2K"),
        "{out:?}"
    );
    assert!(out.contains("\x1b[32mcreated in"), "{out:?}");
    // The plain lines of a pipe are not there.
    assert!(!out.contains("  creating resize"), "{out:?}");
    assert!(out.contains("Deployed:"), "{out:?}");
    let (success, out) = on_terminal(&format!("destroy {p} --yes"), true);
    assert!(success, "{out}");
    assert!(
        out.contains("deleted in") && out.contains("A\x1b[2K"),
        "{out:?}"
    );
    assert!(
        !out.contains("\x1b[32m") && !out.contains("\x1b[33m"),
        "colour with NO_COLOR: {out:?}"
    );
    eprintln!("{out}");
}

/// Killed after every single call of a small deploy in turn (with one step at a time, so
/// that call N is the same operation on every run), then deployed again: each time the stack
/// converges, nothing is duplicated or orphaned. The program has a bucket whose notification
/// configuration is set after the bucket exists, so some kills fall between the two.
#[test]
fn killed_after_every_call_of_a_small_deploy_then_deployed_again_converges() {
    let Some(moto) = moto() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("fn")).expect("code folder");
    std::fs::write(
        dir.path().join("fn/index.js"),
        "exports.handler = async () => ({});\n",
    )
    .expect("code");
    std::fs::write(dir.path().join("infra.toml"), "name = \"small-k\"\n").expect("settings");
    std::fs::write(
        dir.path().join("main.infra"),
        "bucket media {}\n\nfunction on_upload {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./fn\"\n  reads media\n}\n\nmedia.on_put(\".jpg\") -> function on_upload\n",
    )
    .expect("program");
    let p = dir.path().to_str().expect("utf-8 path");
    let log = dir.path().join("calls.log");
    let logged = log.to_str().expect("utf-8").to_string();
    ok(infrac(
        &moto.url,
        &[
            "deploy",
            p,
            "--yes",
            "--parallelism",
            "1",
            "--stack",
            "count",
        ],
        &[("INFRAC_TEST_CALL_LOG", &logged)],
    ));
    let total = std::fs::read_to_string(&log).expect("log").lines().count();
    assert!(total > 5, "{total}");
    let rt = runtime();
    for kill_after in 1..total {
        let stack = format!("e{kill_after}");
        let killed = infrac(
            &moto.url,
            &[
                "deploy",
                p,
                "--yes",
                "--parallelism",
                "1",
                "--stack",
                &stack,
            ],
            &[("INFRAC_TEST_KILL_AFTER_CALLS", &kill_after.to_string())],
        );
        assert!(
            !killed.status.success(),
            "not killed after {kill_after} calls"
        );
        ok(infrac(
            &moto.url,
            &["state", "unlock", p, "--stack", &stack],
            &[],
        ));
        let again = ok(infrac(
            &moto.url,
            &["deploy", p, "--yes", "--stack", &stack],
            &[],
        ));
        assert!(
            again.contains("Deployed:"),
            "killed after {kill_after}: {again}"
        );
        let plan = infrac(
            &moto.url,
            &["plan", p, "--stack", &stack, "--detailed-exitcode"],
            &[],
        );
        assert_eq!(
            plan.status.code(),
            Some(0),
            "killed after {kill_after}: {}",
            text(&plan)
        );
        let st = state(dir.path(), &stack);
        rt.block_on(async {
            let sdk = sdk(&moto.url).await;
            let found = tagged(&sdk, "small-k", &stack).await;
            let ids: Vec<&str> = found.iter().map(|(_, _, id)| id.as_str()).collect();
            let unique: BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!(
                ids.len(),
                unique.len(),
                "killed after {kill_after}: duplicated: {found:?}"
            );
            for id in &unique {
                assert!(
                    st.get(id).is_some(),
                    "killed after {kill_after}: `{id}` orphaned: {found:?}"
                );
            }
        });
    }
}
