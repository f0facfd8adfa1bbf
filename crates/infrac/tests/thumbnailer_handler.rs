//! The thumbnailer's `on_new_video` function, run for real: deployed to moto, then its handler
//! (examples/thumbnailer/on-new-video/index.js) run locally with Node.js and the AWS SDK for
//! JavaScript v3, with the environment the deploy gave the Lambda function, on an S3 event.
//! Its RunTask call must reach moto with the overrides the handler computes, and must be
//! allowed by the IAM policy the plan made for the function's role: the test evaluates that
//! policy against the call's action, resource and cluster itself.
//!
//! Needs `node` and the `@aws-sdk/client-ecs` package, which `scripts/test.sh` installs
//! (pinned) into `target/node-sdk`; `INFRAC_TEST_NODE_MODULES` names another folder. Skips,
//! loudly, without them.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::moto::*;

fn node_modules() -> Option<PathBuf> {
    let dir = std::env::var_os("INFRAC_TEST_NODE_MODULES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/node-sdk/node_modules"),
        PathBuf::from,
    );
    let found = dir.join("@aws-sdk/client-ecs").is_dir()
        && Command::new("node").arg("--version").output().is_ok();
    if !found {
        eprintln!(
            "\n\n!!!!! SKIPPED: no node or no @aws-sdk/client-ecs in {} (scripts/test.sh installs them) !!!!!\n",
            dir.display()
        );
    }
    found.then_some(dir)
}

/// An S3 `ObjectCreated:Put` event for one key, written as S3 writes keys (URL-encoded, `+`
/// for a space).
fn s3_event(bucket: &str, encoded_key: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": encoded_key, "size": 1024}
        }
    }]})
}

/// IAM's wildcard match: `*` any run of characters, `?` one.
fn iam_glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a condition block holds for the request's context (`ArnEquals`/`StringEquals` with
/// single values, the forms infrac writes).
fn condition_holds(condition: Option<&Value>, context: &[(&str, &str)]) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return true;
    };
    operators.iter().all(|(operator, keys)| {
        let Value::Object(keys) = keys else {
            return false;
        };
        keys.iter().all(|(key, wanted)| {
            let got = context.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
            match (operator.as_str(), got) {
                ("ArnEquals" | "StringEquals", Some(got)) => {
                    strings(wanted).iter().any(|w| w == got)
                }
                ("ArnLike" | "StringLike", Some(got)) => {
                    strings(wanted).iter().any(|w| iam_glob(w, got))
                }
                _ => false,
            }
        })
    })
}

/// Whether an identity policy allows `action` on `resource` in `context`.
fn allows(policy: &Value, action: &str, resource: &str, context: &[(&str, &str)]) -> bool {
    policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| {
            s["Effect"] == "Allow"
                && strings(&s["Action"]).iter().any(|a| iam_glob(a, action))
                && strings(&s["Resource"])
                    .iter()
                    .any(|r| iam_glob(r, resource))
                && condition_holds(s.get("Condition"), context)
        })
}

#[test]
fn on_new_video_starts_ffmpeg_as_its_policy_allows() {
    let Some(moto) = moto() else { return };
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = thumbnailer_runs("thumbs-run");
    let p = dir.path().to_str().expect("utf-8 path");
    // moto 5.2 refuses a RunTask without security groups (AWS takes the VPC's default group
    // then), so the stack names the default VPC's default group in `[network]`.
    let group = default_security_group(&moto.url);
    std::fs::write(
        dir.path().join("infra.toml"),
        format!("name = \"thumbs-run\"\nregion = \"us-east-1\"\n[network]\nsecurity_groups = [\"{group}\"]\n"),
    )
    .expect("writes");
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let rt = runtime();
    let sdk = rt.block_on(sdk(&moto.url));

    // The environment the deploy gave the Lambda function.
    let config = rt
        .block_on(
            sdk.lambda
                .get_function_configuration()
                .function_name("thumbs-run-dev-on_new_video")
                .send(),
        )
        .expect("the function exists");
    let env = config
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<&str> = env.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "FFMPEG_CLUSTER",
            "FFMPEG_CONTAINER",
            "FFMPEG_SECURITY_GROUPS",
            "FFMPEG_SUBNETS",
            "FFMPEG_TASK_DEFINITION"
        ]
    );
    assert_eq!(
        env["FFMPEG_TASK_DEFINITION"],
        "arn:aws:ecs:us-east-1:123456789012:task-definition/thumbs-run-dev-ffmpeg"
    );
    assert_eq!(env["FFMPEG_CONTAINER"], "ffmpeg");
    assert!(env["FFMPEG_SUBNETS"].starts_with("subnet-"), "{env:?}");
    assert_eq!(env["FFMPEG_SECURITY_GROUPS"], group);

    // moto 5.2 cannot run a task definition whose containers name no memory of their own
    // (Fargate can: the task's memory is enough), so the test registers the next revision of
    // the family as infrac made it plus a container memory reservation. The handler starts
    // the family's latest revision, as it would after any deploy.
    rt.block_on(register_for_moto(&sdk, "thumbs-run-dev-ffmpeg"));

    // The handler, run as Lambda would run it, on a video whose name asks for second 12.
    let handler = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/thumbnailer/on-new-video/index.js")
        .canonicalize()
        .expect("the handler");
    let bucket = state(dir.path(), "dev")
        .get("media")
        .expect("bucket")
        .physical_id
        .clone();
    let event = s3_event(&bucket, "clips/my+cat%4012.mp4");
    let script = format!(
        "require({handler}).handler({event}).then((r) => console.log(JSON.stringify(r)), (e) => {{ console.error(e); process.exit(1); }});",
        handler = json!(handler.to_str().expect("utf-8")),
        event = event
    );
    let mut node = Command::new("node");
    node.arg("-e")
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NODE_PATH", &modules)
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    for (k, v) in &env {
        node.env(k, v);
    }
    let out = node.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("for clips/my cat@12.mp4 at 00:00:12"),
        "{stdout}"
    );
    let result: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).expect("the handler's result");
    let task_arn = result["started"][0].as_str().expect("a task started");

    // The call reached moto with the handler's overrides.
    // (DescribeTasks as JSON: the SDK cannot read moto 5.2's answer, which gives a container's
    // `cpu` as a number.)
    let tasks = ecs_json(
        &moto.url,
        "DescribeTasks",
        &json!({"cluster": env["FFMPEG_CLUSTER"], "tasks": [task_arn]}),
    );
    let task = &tasks["tasks"][0];
    assert_eq!(
        task["overrides"],
        json!({"containerOverrides": [{
            "name": "ffmpeg",
            "environment": [
                {"name": "INPUT_VIDEO", "value": "clips/my cat@12.mp4"},
                {"name": "OUTPUT_FILE", "value": "clips/my cat@12.mp4.jpg"},
                {"name": "TIME_OFFSET", "value": "00:00:12"}
            ]
        }]}),
        "{task:#}"
    );
    assert_eq!(task["launchType"], "FARGATE");
    let cluster_arn = task["clusterArn"].as_str().expect("cluster");
    assert_eq!(cluster_arn, env["FFMPEG_CLUSTER"]);
    let definition_arn = task["taskDefinitionArn"].as_str().expect("definition");
    assert!(
        definition_arn.starts_with(
            "arn:aws:ecs:us-east-1:123456789012:task-definition/thumbs-run-dev-ffmpeg:"
        ),
        "{definition_arn}"
    );

    // The role's policy allows exactly that call, and passing the task's two roles to ECS.
    let policy = rt
        .block_on(
            sdk.iam
                .get_role_policy()
                .role_name("thumbs-run-dev-on_new_video-role")
                .policy_name("infrac")
                .send(),
        )
        .expect("the role's policy");
    let policy = policy_json(policy.policy_document());
    let in_cluster = [("ecs:cluster", cluster_arn)];
    assert!(
        allows(&policy, "ecs:RunTask", definition_arn, &in_cluster),
        "{policy:#}"
    );
    let definition = rt
        .block_on(
            sdk.ecs
                .describe_task_definition()
                .task_definition(definition_arn)
                .send(),
        )
        .expect("the task definition");
    let definition = definition.task_definition().expect("definition");
    let to_ecs = [("iam:PassedToService", "ecs-tasks.amazonaws.com")];
    for role in [
        definition.execution_role_arn().expect("execution role"),
        definition.task_role_arn().expect("task role"),
    ] {
        assert!(
            allows(&policy, "iam:PassRole", role, &to_ecs),
            "{role}: {policy:#}"
        );
    }

    // And nothing more: not another family, not another cluster, not another role or service.
    let other_cluster = [(
        "ecs:cluster",
        "arn:aws:ecs:us-east-1:123456789012:cluster/someone-else",
    )];
    assert!(!allows(
        &policy,
        "ecs:RunTask",
        definition_arn,
        &other_cluster
    ));
    assert!(!allows(
        &policy,
        "ecs:RunTask",
        "arn:aws:ecs:us-east-1:123456789012:task-definition/thumbs-run-dev-ffmpeg2:1",
        &in_cluster
    ));
    assert!(!allows(
        &policy,
        "iam:PassRole",
        "arn:aws:iam::123456789012:role/admin",
        &to_ecs
    ));
    assert!(!allows(
        &policy,
        "iam:PassRole",
        definition.task_role_arn().expect("task role"),
        &[("iam:PassedToService", "lambda.amazonaws.com")]
    ));
    assert!(!allows(&policy, "ecs:StopTask", task_arn, &in_cluster));

    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}

/// An ECS call as JSON, straight to moto (which does not check signatures).
fn ecs_json(endpoint: &str, operation: &str, body: &Value) -> Value {
    use std::io::{Read, Write};
    let addr = endpoint.trim_start_matches("http://");
    let body = body.to_string();
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    write!(stream, "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.{operation}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    serde_json::from_str(out.split_once("\r\n\r\n").map_or("", |(_, b)| b)).expect("JSON")
}

/// The id of the default VPC's `default` security group, through EC2's Query API (moto does
/// not check signatures; the SDK's EC2 crate is not a dependency of infrac).
fn default_security_group(endpoint: &str) -> String {
    use std::io::{Read, Write};
    let addr = endpoint.trim_start_matches("http://");
    let body = "Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=group-name&Filter.1.Value.1=default";
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    write!(stream, "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    let start = out.find("<groupId>").expect("a security group") + "<groupId>".len();
    let end = start + out[start..].find("</groupId>").expect("its end");
    out[start..end].to_string()
}

/// A copy of the family's latest revision with a container memory reservation (see above).
async fn register_for_moto(sdk: &Sdk, family: &str) {
    use infrac_aws::sdk::ecs::types::ContainerDefinition;
    let latest = sdk
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .send()
        .await
        .expect("the task definition");
    let td = latest.task_definition().expect("definition");
    let containers: Vec<ContainerDefinition> = td
        .container_definitions()
        .iter()
        .map(|c| {
            ContainerDefinition::builder()
                .set_name(c.name().map(String::from))
                .set_image(c.image().map(String::from))
                .set_essential(c.essential())
                .set_environment(Some(c.environment().to_vec()))
                .memory_reservation(512)
                .build()
        })
        .collect();
    sdk.ecs
        .register_task_definition()
        .family(family)
        .set_cpu(td.cpu().map(String::from))
        .set_memory(td.memory().map(String::from))
        .set_network_mode(td.network_mode().cloned())
        .set_requires_compatibilities(Some(td.requires_compatibilities().to_vec()))
        .set_execution_role_arn(td.execution_role_arn().map(String::from))
        .set_task_role_arn(td.task_role_arn().map(String::from))
        .set_container_definitions(Some(containers))
        .send()
        .await
        .expect("registers");
}

#[test]
fn the_iam_glob_matches_as_iam_does() {
    assert!(iam_glob(
        "arn:aws:ecs:r:1:task-definition/f:*",
        "arn:aws:ecs:r:1:task-definition/f:3"
    ));
    assert!(!iam_glob(
        "arn:aws:ecs:r:1:task-definition/f:*",
        "arn:aws:ecs:r:1:task-definition/fg:3"
    ));
    assert!(iam_glob("a?c", "abc"));
    assert!(!iam_glob("abc", "abcd"));
    assert!(iam_glob("*", ""));
}
