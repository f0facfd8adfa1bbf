#![allow(
    clippy::redundant_closure_for_method_calls,
    clippy::needless_pass_by_value
)]
//! Ownership against moto's server, with the real `infrac` binary and the real SDK: resources
//! that someone else made under the names a stack wants (untagged, or tagged for another stack
//! or instance) make `deploy` fail naming each, and neither `deploy` nor `destroy` changes
//! them in any way (tags, policies, code, versioning). Two clones of one example in one
//! account: the second is refused, the first keeps working.

mod support;

use infrac_aws::sdk;
use std::collections::HashMap;
use support::moto::*;

fn moto_url() -> String {
    moto().map(|m| m.url.clone()).unwrap_or_default()
}

/// An empty zip: only its end-of-central-directory record.
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

async fn foreign_function(sdk: &Sdk, name: &str, role: &str, tags: HashMap<String, String>) {
    use sdk::lambda::primitives::Blob;
    use sdk::lambda::types::{FunctionCode, Runtime};
    sdk.lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(role)
        .handler("theirs.handler")
        .memory_size(256)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .set_tags(Some(tags))
        .send()
        .await
        .expect("function");
}

#[allow(deprecated)]
async fn foreign_log_group(sdk: &Sdk, name: &str, tags: HashMap<String, String>) {
    sdk.logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(tags))
        .send()
        .await
        .expect("log group");
    sdk.logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(3)
        .send()
        .await
        .expect("retention");
}

/// Everything a deploy or destroy could change of a bucket, role, function and log group, as
/// text: tags, versioning, trust and inline policies, code, settings, retention.
#[allow(deprecated)]
async fn snapshot(sdk: &Sdk, bucket: &str, role: &str, function: &str, log_group: &str) -> String {
    let mut out = String::new();
    let tags = sdk.s3.get_bucket_tagging().bucket(bucket).send().await;
    let mut tag_set: Vec<String> = tags
        .map(|t| {
            t.tag_set()
                .iter()
                .map(|t| format!("{}={}", t.key(), t.value()))
                .collect()
        })
        .unwrap_or_default();
    tag_set.sort();
    // The SDK cannot read moto's (5.2) answers to GetBucketVersioning and to an empty
    // GetBucketNotificationConfiguration: their raw XML, then.
    let versioning =
        http(&moto_url(), "GET", &format!("/{bucket}?versioning"), "").expect("versioning");
    let notifications =
        http(&moto_url(), "GET", &format!("/{bucket}?notification"), "").expect("notifications");
    let pab = sdk
        .s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .is_ok();
    out += &format!(
        "bucket {bucket}: tags {tag_set:?}, versioning {versioning}, notifications {notifications}, public access block {pab}\n",
    );
    let r = sdk
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .expect("role exists");
    let r = r.role().expect("role");
    let mut role_tags: Vec<String> = sdk
        .iam
        .list_role_tags()
        .role_name(role)
        .send()
        .await
        .expect("tags")
        .tags()
        .iter()
        .map(|t| format!("{}={}", t.key(), t.value()))
        .collect();
    role_tags.sort();
    let mut policies = Vec::new();
    for p in sdk
        .iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .expect("policies")
        .policy_names()
    {
        let doc = sdk
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(p)
            .send()
            .await
            .expect("policy");
        policies.push(format!("{p}: {}", doc.policy_document()));
    }
    out += &format!(
        "role {role}: trust {:?}, tags {role_tags:?}, inline {policies:?}\n",
        r.assume_role_policy_document()
    );
    let f = sdk
        .lambda
        .get_function()
        .function_name(function)
        .send()
        .await
        .expect("function exists");
    let c = f.configuration().expect("configuration");
    let mut f_tags: Vec<String> = f
        .tags()
        .map(|t| t.iter().map(|(k, v)| format!("{k}={v}")).collect())
        .unwrap_or_default();
    f_tags.sort();
    out += &format!(
        "function {function}: code {:?}, handler {:?}, memory {:?}, role {:?}, tags {f_tags:?}\n",
        c.code_sha256(),
        c.handler(),
        c.memory_size(),
        c.role()
    );
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix(log_group)
        .send()
        .await
        .expect("groups");
    let g = groups
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(log_group))
        .expect("log group exists");
    let lt = sdk
        .logs
        .list_tags_log_group()
        .log_group_name(log_group)
        .send()
        .await
        .expect("tags");
    let mut g_tags: Vec<String> = lt
        .tags()
        .map(|t| t.iter().map(|(k, v)| format!("{k}={v}")).collect())
        .unwrap_or_default();
    g_tags.sort();
    out += &format!(
        "log group {log_group}: retention {:?}, tags {g_tags:?}\n",
        g.retention_in_days()
    );
    out
}

/// Foreign resources under the names a stack wants, untagged or tagged for another stack or
/// instance: the deploy fails naming each, destroy removes only what the stack made, and
/// none of theirs changes.
#[test]
fn foreign_resources_under_the_wanted_names_are_refused_and_left_alone() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("own-a");
    let p = dir.path().to_str().expect("utf-8 path");
    // Bucket names end with the stack instance's id, made at the first deploy: seed one so
    // that the bucket's name is known before, as an attacker who read it would know it.
    seed_instance(dir.path(), "own-a", "dev", "5eed5eed5eed");
    let names = planned_names(&moto.url, dir.path());
    let bucket = name_of(&names, "media");
    assert!(bucket.ends_with("-5eed5eed5eed"), "{bucket}");
    let role = name_of(&names, "on_thumbnail/role");
    let function = name_of(&names, "on_thumbnail");
    let log_group = name_of(&names, "on_thumbnail/logs");
    let rt = runtime();
    let before = rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        // The bucket and the log group untagged; the role tagged for another stack; the
        // function tagged for this stack but another instance (a second clone's).
        foreign_bucket(&sdk, &bucket, &HashMap::new()).await;
        let role_arn = foreign_role(
            &sdk,
            &role,
            &tags_of(&[
                ("infrac:project", "own-a"),
                ("infrac:stack", "prod"),
                ("infrac:id", "on_thumbnail/role"),
            ]),
        )
        .await;
        foreign_function(
            &sdk,
            &function,
            &role_arn,
            tags_of(&[
                ("infrac:project", "own-a"),
                ("infrac:stack", "dev"),
                ("infrac:id", "on_thumbnail"),
                ("infrac:instance", "0123456789ab"),
            ]),
        )
        .await;
        foreign_log_group(&sdk, &log_group, tags_of(&[("team", "data")])).await;
        snapshot(&sdk, &bucket, &role, &function, &log_group).await
    });
    let out = infrac(
        &moto.url,
        &["deploy", p, "--yes", "--parallelism", "32"],
        &[],
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    // The role waits for its log group, and the function for both: the deploy stops before
    // it reaches them (the next tests name each).
    for (name, ty) in [
        (&bucket, "aws:s3:Bucket"),
        (&log_group, "aws:logs:LogGroup"),
    ] {
        let expected = format!(
            "`{name}` ({ty}) already exists and does not belong to stack dev of project own-a"
        );
        assert!(t.contains(&expected), "{expected}\n{t}");
    }
    let state = state(dir.path(), "dev");
    for id in [
        "media",
        "on_thumbnail/role",
        "on_thumbnail/logs",
        "on_thumbnail",
    ] {
        assert!(state.get(id).is_none(), "{id} in state: {state:?}");
    }
    assert!(before.contains("<Status>Enabled</Status>"), "{before}");
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(
            snapshot(&sdk, &bucket, &role, &function, &log_group).await,
            before
        );
    });
    let out = infrac(&moto.url, &["destroy", p, "--yes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(
            snapshot(&sdk, &bucket, &role, &function, &log_group).await,
            before
        );
        // What this stack did make is gone.
        let left: Vec<_> = tagged(&sdk, "own-a", "dev")
            .await
            .into_iter()
            .filter(|(_, n, _)| n != &function)
            .collect();
        assert!(left.is_empty(), "{left:?}");
    });
}

/// Only the function is someone else's (another instance of this stack): the deploy names it,
/// and destroy leaves it unchanged.
#[test]
fn a_function_of_another_instance_is_refused_and_survives_destroy() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("own-b");
    let p = dir.path().to_str().expect("utf-8 path");
    let names = planned_names(&moto.url, dir.path());
    let function = name_of(&names, "on_thumbnail");
    let rt = runtime();
    let describe = |sdk: &Sdk| {
        let sdk = sdk.lambda.clone();
        let function = function.clone();
        async move {
            let f = sdk
                .get_function()
                .function_name(&function)
                .send()
                .await
                .expect("function exists");
            let c = f.configuration().expect("configuration");
            let mut tags: Vec<String> = f
                .tags()
                .map(|t| t.iter().map(|(k, v)| format!("{k}={v}")).collect())
                .unwrap_or_default();
            tags.sort();
            format!(
                "{:?} {:?} {:?} {:?} {tags:?}",
                c.code_sha256(),
                c.handler(),
                c.memory_size(),
                c.role()
            )
        }
    };
    let before = rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let role = foreign_role(&sdk, "own-b-someone-else", &HashMap::new()).await;
        foreign_function(
            &sdk,
            &function,
            &role,
            tags_of(&[
                ("infrac:project", "own-b"),
                ("infrac:stack", "dev"),
                ("infrac:id", "on_thumbnail"),
                ("infrac:instance", "0123456789ab"),
            ]),
        )
        .await;
        describe(&sdk).await
    });
    let out = infrac(&moto.url, &["deploy", p, "--yes"], &[]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    let expected = format!("`{function}` (aws:lambda:Function) already exists and does not belong to stack dev of project own-b");
    assert!(t.contains(&expected), "{expected}\n{t}");
    assert!(state(dir.path(), "dev").get("on_thumbnail").is_none());
    let out = infrac(&moto.url, &["destroy", p, "--yes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(describe(&sdk).await, before);
    });
}

/// Two clones of one example deploying the same stack name into one account: the second is
/// refused and changes nothing; the first keeps working (an update, then an empty plan).
#[test]
fn a_second_clone_of_a_deployed_example_is_refused_and_the_first_keeps_working() {
    let Some(moto) = moto() else { return };
    let first = thumbnailer("own-c");
    let second = thumbnailer("own-c");
    let p1 = first.path().to_str().expect("utf-8 path");
    let p2 = second.path().to_str().expect("utf-8 path");
    ok(infrac(&moto.url, &["deploy", p1, "--yes"], &[]));
    let first_state = state(first.path(), "dev");
    let instance = first_state.instance.clone().expect("an instance id");
    // Its bucket's name ends with its instance id, so the second clone's bucket cannot
    // collide with it.
    let bucket = first_state
        .get("media")
        .expect("bucket")
        .physical_id
        .clone();
    assert!(bucket.ends_with(&format!("-{instance}")), "{bucket}");
    let rt = runtime();
    let tagged_before = rt.block_on(async { tagged(&sdk(&moto.url).await, "own-c", "dev").await });
    let out = infrac(
        &moto.url,
        &["deploy", p2, "--yes", "--parallelism", "32"],
        &[],
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("does not belong to stack dev of project own-c"),
        "{t}"
    );
    let second_instance = state(second.path(), "dev")
        .instance
        .expect("an instance id");
    assert_ne!(instance, second_instance);
    // Its bucket was its own: made under its own instance's name, next to the first's.
    if let Some(b) = state(second.path(), "dev").get("media") {
        assert!(
            b.physical_id.ends_with(&format!("-{second_instance}")),
            "{}",
            b.physical_id
        );
    }
    // The second clone's destroy removes nothing of the first's.
    ok(infrac(&moto.url, &["destroy", p2, "--yes"], &[]));
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(tagged(&sdk, "own-c", "dev").await, tagged_before);
        let f = sdk
            .lambda
            .get_function()
            .function_name("own-c-dev-on_thumbnail")
            .send()
            .await
            .expect("function");
        assert_eq!(
            f.tags().and_then(|t| t.get("infrac:instance")),
            Some(&instance)
        );
    });
    // The first keeps working: an update, then nothing to do.
    edit(first.path(), "timeout = 30s", "timeout = 40s");
    let out = ok(infrac(&moto.url, &["deploy", p1, "--yes"], &[]));
    assert!(out.contains("1 updated"), "{out}");
    let plan = ok(infrac(&moto.url, &["plan", p1], &[]));
    assert!(plan.contains("No changes"), "{plan}");
    ok(infrac(&moto.url, &["destroy", p1, "--yes"], &[]));
    rt.block_on(async {
        assert!(tagged(&sdk(&moto.url).await, "own-c", "dev")
            .await
            .is_empty());
    });
}

/// Only the role is someone else's (tagged for another stack): the deploy names it, and
/// destroy leaves its trust policy, inline policy and tags as they were.
#[test]
fn a_role_of_another_stack_is_refused_and_survives_destroy() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("own-d");
    let p = dir.path().to_str().expect("utf-8 path");
    let names = planned_names(&moto.url, dir.path());
    let role = name_of(&names, "on_thumbnail/role");
    let rt = runtime();
    let describe = |sdk: &Sdk| {
        let iam = sdk.iam.clone();
        let role = role.clone();
        async move {
            let r = iam
                .get_role()
                .role_name(&role)
                .send()
                .await
                .expect("role exists");
            let trust = r
                .role()
                .and_then(|r| r.assume_role_policy_document())
                .map(str::to_string);
            let mut tags: Vec<String> = iam
                .list_role_tags()
                .role_name(&role)
                .send()
                .await
                .expect("tags")
                .tags()
                .iter()
                .map(|t| format!("{}={}", t.key(), t.value()))
                .collect();
            tags.sort();
            let names = iam
                .list_role_policies()
                .role_name(&role)
                .send()
                .await
                .expect("policies")
                .policy_names()
                .to_vec();
            let doc = iam
                .get_role_policy()
                .role_name(&role)
                .policy_name("theirs")
                .send()
                .await
                .expect("policy")
                .policy_document()
                .to_string();
            format!("{trust:?} {tags:?} {names:?} {doc}")
        }
    };
    let before = rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        foreign_role(
            &sdk,
            &role,
            &tags_of(&[
                ("infrac:project", "own-d"),
                ("infrac:stack", "prod"),
                ("infrac:id", "on_thumbnail/role"),
            ]),
        )
        .await;
        describe(&sdk).await
    });
    let out = infrac(&moto.url, &["deploy", p, "--yes"], &[]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    let expected = format!(
        "`{role}` (aws:iam:Role) already exists and does not belong to stack dev of project own-d"
    );
    assert!(t.contains(&expected), "{expected}\n{t}");
    let out = infrac(&moto.url, &["destroy", p, "--yes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(describe(&sdk).await, before);
        assert!(tagged(&sdk, "own-d", "dev").await.is_empty());
    });
}

/// A task definition revision someone else registered in the family infrac uses stays ACTIVE
/// through deploy, update and destroy: infrac retires only the revisions it registered.
#[test]
fn task_definition_revisions_of_others_are_never_deregistered() {
    use sdk::ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("own-e");
    let p = dir.path().to_str().expect("utf-8 path");
    let names = planned_names(&moto.url, dir.path());
    let family = name_of(&names, "ffmpeg/definition");
    let rt = runtime();
    let theirs = rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let out = sdk
            .ecs
            .register_task_definition()
            .family(&family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("theirs")
                    .image("theirs:1")
                    .build(),
            )
            .send()
            .await
            .expect("registers");
        out.task_definition()
            .and_then(|t| t.task_definition_arn())
            .expect("arn")
            .to_string()
    });
    let status = |arn: String| {
        let url = moto.url.clone();
        async move {
            let sdk = sdk(&url).await;
            let out = sdk
                .ecs
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .expect("described");
            out.task_definition()
                .and_then(|t| t.status())
                .map(|s| s.as_str().to_string())
        }
    };
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    edit(dir.path(), "memory = 512MB", "memory = 1024MB");
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert_eq!(
        rt.block_on(status(theirs.clone())).as_deref(),
        Some("ACTIVE")
    );
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
    assert_eq!(rt.block_on(status(theirs)).as_deref(), Some("ACTIVE"));
}
