#![allow(clippy::redundant_closure_for_method_calls, clippy::map_unwrap_or)]
//! The contract every resource type of the AWS provider keeps, checked against moto's server
//! through the provider itself (no engine, no state), with what AWS holds read through the
//! SDK. One test per type, all through [`contract`]:
//!
//! - an unknown property is refused before any call, and nothing is made;
//! - create, then read back: the outputs are those create gave, and every property the read
//!   returns (the type's drift keys) equals the planned one;
//! - the tags are on the resource (for types that take tags);
//! - update one property, read back, and AWS holds the new value;
//! - delete, and a read gives `None`; a second delete is a no-op.
//!
//! A new resource type is done when it passes. The properties are written as lowering writes
//! them (`docs/plan.md`), with the references resolved as the engine resolves them.

mod support;

use infrac_aws::{AwsProvider, Clients};
use infrac_deploy::{ErrorKind, Provider, Resource};
use infrac_plan::ResourceType;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use support::moto::{moto, runtime, sdk, Sdk};

const ACCOUNT: &str = "123456789012";

struct Fixture {
    aws: AwsProvider,
    sdk: Sdk,
    /// Holds the functions' code.
    _project: tempfile::TempDir,
}

/// The provider and the SDK on moto, or `None` when moto is not installed.
async fn fixture() -> Option<Fixture> {
    let moto = moto()?;
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(project.path().join("src")).expect("mkdir");
    std::fs::write(
        project.path().join("src/index.js"),
        "exports.handler = async () => 'ok';\n",
    )
    .expect("writes");
    let config = infrac_aws::config::static_config(&moto.url, "us-east-1").await;
    let mut aws = AwsProvider::new(Clients::new(&config), project.path().to_path_buf());
    // moto has no eventual consistency to wait out, and never starts a service's tasks, so a
    // service never becomes stable there (the wait itself is unit-tested in `ecs.rs`).
    aws.consistency_wait = Duration::from_secs(2);
    aws.service_wait = Duration::ZERO;
    Some(Fixture {
        aws,
        sdk: sdk(&moto.url).await,
        _project: project,
    })
}

fn resource(ty: ResourceType, id: &str, name: &str, properties: Value) -> Resource {
    Resource {
        id: id.to_string(),
        ty,
        name: name.to_string(),
        arn: None,
        properties,
    }
}

fn tags(id: &str) -> Value {
    json!({"infrac:id": id, "infrac:project": "ct", "infrac:stack": "dev", "contract": "1"})
}

/// A resource, and one property to change: a JSON pointer into its properties and the value
/// it takes.
struct Case {
    resource: Resource,
    change: (&'static str, Value),
}

/// Runs the contract on one resource type (see the file's documentation).
async fn contract(f: &Fixture, case: Case) {
    let Case {
        mut resource,
        change: (pointer, new_value),
    } = case;
    let ty = resource.ty;
    assert!(
        (ty.descriptor().round_trip)(&resource.properties).is_ok(),
        "{ty}: the case's properties are not the type's"
    );

    let mut typo = resource.clone();
    typo.properties["surprise"] = json!(true);
    let err = f
        .aws
        .create(&typo)
        .await
        .expect_err("an unknown property is refused");
    assert_eq!(
        err.code.as_deref(),
        Some("InvalidProperties"),
        "{ty}: {err}"
    );
    assert!(
        err.message.contains("unknown field `surprise`"),
        "{ty}: {err}"
    );
    assert!(
        f.aws.read(&resource).await.expect("reads").is_none(),
        "{ty}: a refused create made nothing"
    );

    let outputs = f
        .aws
        .create(&resource)
        .await
        .unwrap_or_else(|e| panic!("{ty}: create: {e}"));
    resource.arn = outputs.get("arn").and_then(Value::as_str).map(String::from);
    read_back(f, &resource, &outputs).await;
    if ty.taggable() {
        let planned: BTreeMap<String, String> =
            serde_json::from_value(resource.properties["tags"].clone()).expect("tags");
        assert_eq!(tags_of(&f.sdk, &resource).await, planned, "{ty}: tags");
    }

    let old = resource.clone();
    *resource
        .properties
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{ty}: no {pointer}")) = new_value.clone();
    let outputs = f
        .aws
        .update(&resource, Some(&old))
        .await
        .unwrap_or_else(|e| panic!("{ty}: update: {e}"));
    resource.arn = outputs.get("arn").and_then(Value::as_str).map(String::from);
    let seen = read_back(f, &resource, &outputs).await;
    let top = pointer.split('/').nth(1).unwrap_or_default();
    let held = if ty.drift_keys().contains(&top) {
        assert!(seen.contains_key(top), "{ty}: the read gives no {top}");
        Value::Object(seen)
            .pointer(pointer)
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        aws_holds(&f.sdk, &resource, pointer).await
    };
    assert_eq!(held, new_value, "{ty}: after the update of {pointer}");

    f.aws
        .delete(&resource)
        .await
        .unwrap_or_else(|e| panic!("{ty}: delete: {e}"));
    assert!(
        f.aws.read(&resource).await.expect("reads").is_none(),
        "{ty}: still there after delete"
    );
    match f.aws.delete(&resource).await {
        Ok(()) => {}
        Err(e) if e.kind == ErrorKind::NotFound => {}
        Err(e) => panic!("{ty}: a second delete is not a no-op: {e}"),
    }
}

/// Reads the resource: it exists, its outputs are those create or update gave, and every
/// property read equals the planned one. Returns the properties read.
async fn read_back(
    f: &Fixture,
    resource: &Resource,
    outputs: &Value,
) -> serde_json::Map<String, Value> {
    let ty = resource.ty;
    let seen = f
        .aws
        .read(resource)
        .await
        .unwrap_or_else(|e| panic!("{ty}: read: {e}"))
        .unwrap_or_else(|| panic!("{ty}: read gives nothing after create"));
    if let Value::Object(read) = &seen.outputs {
        for (key, value) in read {
            assert_eq!(Some(value), outputs.get(key), "{ty}: output {key}");
        }
    }
    for (key, value) in &seen.properties {
        assert!(
            ty.drift_keys().contains(&key.as_str()),
            "{ty}: {key} is no drift key"
        );
        assert_eq!(
            Some(value),
            resource.properties.get(key),
            "{ty}: {key} read back"
        );
    }
    seen.properties
}

fn pairs<'a>(it: impl IntoIterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, String> {
    it.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A tag's key or value, which some SDKs give as `Option`.
trait TagText<'a> {
    fn text(self) -> &'a str;
}

impl<'a> TagText<'a> for &'a str {
    fn text(self) -> &'a str {
        self
    }
}

impl<'a> TagText<'a> for Option<&'a str> {
    fn text(self) -> &'a str {
        self.unwrap_or_default()
    }
}

/// The resource's tags, read through the SDK.
async fn tags_of(sdk: &Sdk, r: &Resource) -> BTreeMap<String, String> {
    // `$call` answers a list of tags (`$list`) with `key()` and `value()`.
    macro_rules! listed {
        ($call:expr, $list:ident) => {
            pairs(
                $call
                    .send()
                    .await
                    .expect("tags")
                    .$list()
                    .iter()
                    .map(|t| (t.key().text(), t.value().text())),
            )
        };
    }
    let arn = r.arn.clone().unwrap_or_default();
    let name = r.name.as_str();
    match r.ty {
        ResourceType::S3Bucket => listed!(sdk.s3.get_bucket_tagging().bucket(name), tag_set),
        ResourceType::IamRole => listed!(sdk.iam.list_role_tags().role_name(name), tags),
        ResourceType::EcsCluster | ResourceType::EcsTaskDefinition => {
            listed!(sdk.ecs.list_tags_for_resource().resource_arn(&arn), tags)
        }
        ResourceType::EcrRepository => {
            listed!(sdk.ecr.list_tags_for_resource().resource_arn(&arn), tags)
        }
        ResourceType::EventsRule => {
            listed!(sdk.events.list_tags_for_resource().resource_arn(&arn), tags)
        }
        // These two answer a map.
        ResourceType::LambdaFunction => {
            let out = sdk.lambda.list_tags().resource(&arn).send().await;
            out.expect("tags")
                .tags()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect()
        }
        ResourceType::LogGroup => {
            #[allow(deprecated)]
            let out = sdk
                .logs
                .list_tags_log_group()
                .log_group_name(name)
                .send()
                .await;
            out.expect("tags")
                .tags()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect()
        }
        ResourceType::Ec2SecurityGroup => {
            let subnets: Vec<String> =
                serde_json::from_value(r.properties["subnets"].clone()).expect("subnets");
            let found = infrac_aws::ec2::subnets(&sdk.config, &subnets)
                .await
                .expect("subnets");
            let vpc = &found[0].vpc;
            infrac_aws::ec2::group_named(&sdk.config, vpc, name)
                .await
                .expect("groups")
                .expect("the group")
                .tags
        }
        ResourceType::Elbv2LoadBalancer
        | ResourceType::Elbv2TargetGroup
        | ResourceType::Elbv2Listener => {
            let out = sdk.elbv2.describe_tags().resource_arns(&arn).send().await;
            pairs(
                out.expect("tags").tag_descriptions()[0]
                    .tags()
                    .iter()
                    .map(|t| (t.key().text(), t.value().text())),
            )
        }
        ResourceType::EcsService => {
            listed!(sdk.ecs.list_tags_for_resource().resource_arn(&arn), tags)
        }
        ty @ (ResourceType::S3BucketNotification
        | ResourceType::LambdaPermission
        | ResourceType::EcrImage
        | ResourceType::ScalableTarget
        | ResourceType::ScalingPolicy) => panic!("{ty} takes no tags"),
    }
}

/// The property at `pointer` as AWS holds it, for changes the provider's read does not give.
async fn aws_holds(sdk: &Sdk, r: &Resource, pointer: &str) -> Value {
    if let Some(key) = pointer.strip_prefix("/tags/") {
        return tags_of(sdk, r)
            .await
            .get(key)
            .map_or(Value::Null, |v| json!(v));
    }
    match (r.ty, pointer) {
        (ResourceType::S3BucketNotification, "/lambda_functions/0/filter/suffix") => {
            let bucket = r.properties["bucket"].as_str().unwrap_or_default();
            let out = sdk
                .s3
                .get_bucket_notification_configuration()
                .bucket(bucket)
                .send()
                .await
                .expect("notifications");
            let rules = out.lambda_function_configurations()[0]
                .filter()
                .and_then(|f| f.key())
                .map(|k| k.filter_rules().to_vec())
                .unwrap_or_default();
            rules
                .iter()
                .find(|rule| {
                    rule.name().map(|n| n.as_str().to_ascii_lowercase()) == Some("suffix".into())
                })
                .and_then(|rule| rule.value())
                .map_or(Value::Null, |v| json!(v))
        }
        (ResourceType::LambdaPermission, "/source_arn") => {
            let function = r.properties["function_name"].as_str().unwrap_or_default();
            let out = sdk
                .lambda
                .get_policy()
                .function_name(function)
                .send()
                .await
                .expect("policy");
            let policy: Value =
                serde_json::from_str(out.policy().unwrap_or_default()).expect("json");
            let statement = policy["Statement"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["Sid"] == r.properties["statement_id"]))
                .cloned()
                .unwrap_or(Value::Null);
            statement["Condition"]["ArnLike"]["AWS:SourceArn"].clone()
        }
        (ResourceType::EcsTaskDefinition, "/memory") => {
            let arn = r.arn.clone().unwrap_or_default();
            let out = sdk
                .ecs
                .describe_task_definition()
                .task_definition(arn)
                .send()
                .await;
            let memory = out
                .expect("task definition")
                .task_definition()
                .and_then(|t| t.memory().map(str::to_string));
            memory
                .and_then(|m| m.parse::<u64>().ok())
                .map_or(Value::Null, |m| json!(m))
        }
        (ResourceType::Elbv2Listener, "/target_group_arn") => {
            let arn = r.arn.clone().unwrap_or_default();
            let out = sdk
                .elbv2
                .describe_listeners()
                .listener_arns(arn)
                .send()
                .await
                .expect("listener");
            let target = out.listeners()[0].default_actions()[0].target_group_arn();
            target.map_or(Value::Null, |t| json!(t))
        }
        (ty, pointer) => panic!("{ty}: no way to read {pointer} through the SDK"),
    }
}

fn bucket(name: &str) -> Resource {
    resource(
        ResourceType::S3Bucket,
        "media",
        name,
        json!({
            "name": name,
            "versioning": false,
            "force_destroy": true,
            "encryption": {"sse_algorithm": "AES256"},
            "object_ownership": "BucketOwnerEnforced",
            "public_access_block": {"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true},
            "lifecycle": {"expire_after_days": 30},
            "tags": tags("media"),
        }),
    )
}

fn role(name: &str, service: &str) -> Resource {
    resource(
        ResourceType::IamRole,
        "f/role",
        name,
        json!({
            "name": name,
            "assume_role_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]},
            "policies": {"infrac": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*"}]}},
            "tags": tags("f/role"),
        }),
    )
}

fn function(name: &str, role_arn: &str) -> Resource {
    resource(
        ResourceType::LambdaFunction,
        "f",
        name,
        json!({
            "name": name,
            "runtime": "nodejs20.x",
            "handler": "index.handler",
            "memory": 128,
            "timeout": 3,
            "architectures": ["x86_64"],
            "role_arn": role_arn,
            "code": {"path": "src", "sha256": "0"},
            "logging": {"log_group": format!("/aws/lambda/{name}")},
            "environment": {"GREETING": "hello"},
            "tags": tags("f"),
        }),
    )
}

/// A role and a function made through the provider, for the types that need one.
async fn function_fixture(f: &Fixture, name: &str) -> Resource {
    let role = role(&format!("{name}-role"), "lambda.amazonaws.com");
    let out = f.aws.create(&role).await.expect("role");
    let arn = out["arn"].as_str().expect("role arn").to_string();
    let mut function = function(name, &arn);
    let out = f.aws.create(&function).await.expect("function");
    function.arn = out["arn"].as_str().map(String::from);
    function
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

macro_rules! contract_test {
    ($name:ident, $f:ident => $case:expr) => {
        #[test]
        fn $name() {
            runtime().block_on(async {
                let Some($f) = fixture().await else { return };
                let case = $case;
                contract(&$f, case).await;
            });
        }
    };
}

// moto (5.2) answers `GetBucketVersioning` with an empty document whatever the bucket's
// setting, so the provider reads every bucket as unversioned there: the change is a tag.
contract_test!(bucket_keeps_the_contract, f => Case {
    resource: bucket("ct-dev-media-1a2b3c"),
    change: ("/tags/contract", json!("2")),
});

contract_test!(bucket_notification_keeps_the_contract, f => {
    f.aws.create(&bucket("ct-dev-notify-1a2b3c")).await.expect("bucket");
    function_fixture(&f, "ct-dev-notified").await;
    Case {
        resource: resource(
            ResourceType::S3BucketNotification,
            "notify/notifications",
            "ct-dev-notify-1a2b3c",
            json!({
                "bucket": "ct-dev-notify-1a2b3c",
                "eventbridge": false,
                "lambda_functions": [{
                    "id": "ct-dev-notify-on_put-f",
                    "events": ["s3:ObjectCreated:*"],
                    "function_arn": function_arn("ct-dev-notified"),
                    "filter": {"prefix": "in/", "suffix": ".jpg"},
                }],
            }),
        ),
        change: ("/lambda_functions/0/filter/suffix", json!(".png")),
    }
});

contract_test!(role_keeps_the_contract, f => Case {
    resource: role("ct-dev-task", "ecs-tasks.amazonaws.com"),
    change: (
        "/policies/infrac",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}),
    ),
});

contract_test!(function_keeps_the_contract, f => {
    let role = role("ct-dev-fn-role", "lambda.amazonaws.com");
    let out = f.aws.create(&role).await.expect("role");
    Case {
        resource: function("ct-dev-fn", out["arn"].as_str().expect("arn")),
        change: ("/memory", json!(256)),
    }
});

contract_test!(permission_keeps_the_contract, f => {
    function_fixture(&f, "ct-dev-invoked").await;
    Case {
        resource: resource(
            ResourceType::LambdaPermission,
            "trigger/media.on_put->invoked/permission",
            "ct-dev-media-on_put-invoked",
            json!({
                "statement_id": "ct-dev-media-on_put-invoked",
                "action": "lambda:InvokeFunction",
                "function_name": "ct-dev-invoked",
                "principal": "s3.amazonaws.com",
                "source_arn": "arn:aws:s3:::ct-dev-media-1",
                "source_account": ACCOUNT,
            }),
        ),
        change: ("/source_arn", json!("arn:aws:s3:::ct-dev-media-2")),
    }
});

contract_test!(log_group_keeps_the_contract, f => Case {
    resource: resource(
        ResourceType::LogGroup,
        "f/logs",
        "/aws/lambda/ct-dev-logs",
        json!({"name": "/aws/lambda/ct-dev-logs", "tags": tags("f/logs")}),
    ),
    change: ("/tags/contract", json!("2")),
});

contract_test!(cluster_keeps_the_contract, f => Case {
    resource: resource(
        ResourceType::EcsCluster,
        "ecs-cluster",
        "ct-dev",
        json!({"name": "ct-dev", "tags": tags("ecs-cluster")}),
    ),
    change: ("/tags/contract", json!("2")),
});

contract_test!(task_definition_keeps_the_contract, f => {
    let arn = |role: &str| format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    Case {
        resource: resource(
            ResourceType::EcsTaskDefinition,
            "ffmpeg/definition",
            "ct-dev-ffmpeg",
            json!({
                "family": "ct-dev-ffmpeg",
                "cpu": 256,
                "memory": 512,
                "network_mode": "awsvpc",
                "requires_compatibilities": ["FARGATE"],
                "runtime_platform": {"cpu_architecture": "X86_64", "operating_system_family": "LINUX"},
                "execution_role_arn": arn("ct-dev-ffmpeg-exec"),
                "task_role_arn": arn("ct-dev-ffmpeg-task"),
                "container_definitions": [{
                    "name": "ffmpeg",
                    "image": "public.ecr.aws/docker/library/alpine:3.20",
                    "essential": true,
                    "command": ["echo", "hi"],
                    "environment": [{"name": "MODE", "value": "fast"}],
                    "log_configuration": {"log_driver": "awslogs", "options": {"awslogs-group": "/ecs/ct-dev-ffmpeg", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ffmpeg"}},
                }],
                "tags": tags("ffmpeg/definition"),
            }),
        ),
        change: ("/memory", json!(1024)),
    }
});

contract_test!(repository_keeps_the_contract, f => Case {
    resource: resource(
        ResourceType::EcrRepository,
        "ffmpeg/repository",
        "ct-dev-ffmpeg",
        json!({
            "name": "ct-dev-ffmpeg",
            "image_tag_mutability": "MUTABLE",
            "scan_on_push": true,
            "force_delete": true,
            "tags": tags("ffmpeg/repository"),
        }),
    ),
    change: ("/tags/contract", json!("2")),
});

contract_test!(rule_keeps_the_contract, f => Case {
    resource: resource(
        ResourceType::EventsRule,
        "nightly",
        "ct-dev-nightly",
        json!({
            "name": "ct-dev-nightly",
            "schedule_expression": "cron(0 3 * * ? *)",
            "state": "ENABLED",
            "targets": [{"id": "f-nightly", "arn": function_arn("ct-dev-target")}],
            "tags": tags("nightly"),
        }),
    ),
    change: ("/state", json!("DISABLED")),
});

// ---- a service's resources ------------------------------------------------------------------

/// The default VPC's subnets in moto (one per zone, sorted).
async fn default_subnets(f: &Fixture) -> Vec<String> {
    infrac_aws::ec2::default_subnets(&f.sdk.config)
        .await
        .expect("moto's default VPC")
}

fn security_group(name: &str, subnets: &[String], ingress: &Value) -> Resource {
    resource(
        ResourceType::Ec2SecurityGroup,
        &format!("{name}/security-group"),
        name,
        json!({
            "name": name,
            "description": format!("infrac: {name}"),
            "subnets": subnets,
            "ingress": ingress,
            "tags": tags(&format!("{name}/security-group")),
        }),
    )
}

/// A security group made through the provider; its id.
async fn group_fixture(f: &Fixture, name: &str) -> String {
    let subnets = default_subnets(f).await;
    let group = security_group(
        name,
        &subnets,
        &json!([{"port": 80, "from": {"cidr": "0.0.0.0/0"}}]),
    );
    let out = f.aws.create(&group).await.expect("security group");
    out["id"].as_str().expect("group id").to_string()
}

fn load_balancer(name: &str, subnets: &[String], group: &str) -> Resource {
    resource(
        ResourceType::Elbv2LoadBalancer,
        "web/load-balancer",
        name,
        json!({
            "name": name,
            "type": "application",
            "scheme": "internet-facing",
            "subnets": subnets,
            "security_groups": [group],
            "tags": tags("web/load-balancer"),
        }),
    )
}

fn target_group(name: &str, subnets: &[String]) -> Resource {
    resource(
        ResourceType::Elbv2TargetGroup,
        "web/target-group",
        name,
        json!({
            "name": name,
            "protocol": "HTTP",
            "port": 8080,
            "target_type": "ip",
            "subnets": subnets,
            "health_check": {"protocol": "HTTP", "path": "/healthz", "matcher": "200-399"},
            "tags": tags("web/target-group"),
        }),
    )
}

/// Creates `r` through the provider; its ARN.
async fn made(f: &Fixture, r: &Resource) -> String {
    let out = f
        .aws
        .create(r)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", r.id));
    out["arn"].as_str().expect("arn").to_string()
}

contract_test!(security_group_keeps_the_contract, f => {
    let subnets = default_subnets(&f).await;
    let lb_group = group_fixture(&f, "ct-dev-sg-lb").await;
    Case {
        resource: security_group(
            "ct-dev-sg-tasks",
            &subnets,
            &json!([
                {"port": 8080, "from": {"security_group": lb_group}},
                {"port": 9090, "from": "vpc_cidr"},
            ]),
        ),
        change: ("/ingress/1/port", json!(9091)),
    }
});

contract_test!(load_balancer_keeps_the_contract, f => {
    let subnets = default_subnets(&f).await;
    let group = group_fixture(&f, "ct-dev-lb-group").await;
    let mut lb = load_balancer("ct-dev-lb", &subnets[..2], &group);
    lb.properties["subnets"] = json!(subnets[..2]);
    Case {
        resource: lb,
        change: ("/subnets", json!(subnets[..3])),
    }
});

contract_test!(target_group_keeps_the_contract, f => {
    let subnets = default_subnets(&f).await;
    Case {
        resource: target_group("ct-dev-tg", &subnets),
        change: ("/health_check/path", json!("/ready")),
    }
});

contract_test!(listener_keeps_the_contract, f => {
    let subnets = default_subnets(&f).await;
    let group = group_fixture(&f, "ct-dev-listener-group").await;
    let lb = made(&f, &load_balancer("ct-dev-listener-lb", &subnets[..2], &group)).await;
    let tg = made(&f, &target_group("ct-dev-listener-tg", &subnets)).await;
    let other = made(&f, &target_group("ct-dev-listener-tg2", &subnets)).await;
    Case {
        resource: resource(
            ResourceType::Elbv2Listener,
            "web/listener",
            "web HTTP :80",
            json!({
                "load_balancer_arn": lb,
                "protocol": "HTTP",
                "port": 80,
                "target_group_arn": tg,
                "tags": tags("web/listener"),
            }),
        ),
        change: ("/target_group_arn", json!(other)),
    }
});

contract_test!(service_keeps_the_contract, f => {
    let subnets = default_subnets(&f).await;
    let group = group_fixture(&f, "ct-dev-svc-group").await;
    let tg = made(&f, &target_group("ct-dev-svc-tg", &subnets)).await;
    let cluster = made(&f, &resource(
        ResourceType::EcsCluster,
        "ecs-cluster",
        "ct-svc",
        json!({"name": "ct-svc", "tags": tags("ecs-cluster")}),
    )).await;
    let role = |r: &str| format!("arn:aws:iam::{ACCOUNT}:role/{r}");
    let definition = made(&f, &resource(
        ResourceType::EcsTaskDefinition,
        "web/definition",
        "ct-dev-web",
        json!({
            "family": "ct-dev-web",
            "cpu": 256,
            "memory": 512,
            "network_mode": "awsvpc",
            "requires_compatibilities": ["FARGATE"],
            "runtime_platform": {"cpu_architecture": "X86_64", "operating_system_family": "LINUX"},
            "execution_role_arn": role("ct-dev-web-exec"),
            "task_role_arn": role("ct-dev-web-task"),
            "container_definitions": [{
                "name": "web",
                "image": "public.ecr.aws/nginx/nginx:1.27",
                "essential": true,
                "environment": [],
                "port_mappings": [{"container_port": 8080, "protocol": "tcp"}],
                "log_configuration": {"log_driver": "awslogs", "options": {"awslogs-group": "/ecs/ct-dev-web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}},
            }],
            "tags": tags("web/definition"),
        }),
    )).await;
    Case {
        resource: resource(
            ResourceType::EcsService,
            "web",
            "ct-dev-web",
            json!({
                "name": "ct-dev-web",
                "cluster": cluster,
                "task_definition": definition,
                "launch_type": "FARGATE",
                "desired_count": 1,
                "scaled": false,
                "network": {"subnets": subnets, "security_groups": [group], "assign_public_ip": "ENABLED"},
                "load_balancer": {"target_group_arn": tg, "container_name": "web", "container_port": 8080},
                "deployment": {"minimum_healthy_percent": 100, "maximum_percent": 200, "circuit_breaker": true, "rollback": true},
                "tags": tags("web"),
            }),
        ),
        change: ("/desired_count", json!(2)),
    }
});

/// An ECS service made through the SDK, for the scaling types (Application Auto Scaling
/// refuses a target whose service does not exist).
async fn ecs_service_fixture(f: &Fixture, cluster: &str, service: &str) {
    use infrac_aws::sdk::ecs::types::ContainerDefinition;
    f.sdk
        .ecs
        .create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .expect("cluster");
    let family = format!("{service}-family");
    f.sdk
        .ecs
        .register_task_definition()
        .family(&family)
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("public.ecr.aws/nginx/nginx:1.27")
                .memory(512)
                .build(),
        )
        .send()
        .await
        .expect("task definition");
    f.sdk
        .ecs
        .create_service()
        .cluster(cluster)
        .service_name(service)
        .task_definition(&family)
        .desired_count(1)
        .send()
        .await
        .expect("service");
}

fn scalable_target(service: &str) -> Resource {
    resource(
        ResourceType::ScalableTarget,
        "web/scaling-target",
        &format!("{service} 1..4"),
        json!({
            "service_namespace": "ecs",
            "resource_id": format!("service/ct-scale/{service}"),
            "scalable_dimension": "ecs:service:DesiredCount",
            "min_capacity": 1,
            "max_capacity": 4,
        }),
    )
}

contract_test!(scalable_target_keeps_the_contract, f => {
    ecs_service_fixture(&f, "ct-scale", "ct-dev-scaled").await;
    Case {
        resource: scalable_target("ct-dev-scaled"),
        change: ("/max_capacity", json!(8)),
    }
});

contract_test!(scaling_policy_keeps_the_contract, f => {
    ecs_service_fixture(&f, "ct-scale", "ct-dev-policed").await;
    made_quietly(&f, &scalable_target("ct-dev-policed")).await;
    Case {
        resource: resource(
            ResourceType::ScalingPolicy,
            "web/scaling-policy",
            "ct-dev-policed-cpu",
            json!({
                "name": "ct-dev-policed-cpu",
                "service_namespace": "ecs",
                "resource_id": "service/ct-scale/ct-dev-policed",
                "scalable_dimension": "ecs:service:DesiredCount",
                "policy_type": "TargetTrackingScaling",
                "predefined_metric": "ECSServiceAverageCPUUtilization",
                "target_value": 70,
            }),
        ),
        change: ("/target_value", json!(50)),
    }
});

/// Creates `r` through the provider, for a type whose outputs may hold no ARN.
async fn made_quietly(f: &Fixture, r: &Resource) {
    f.aws
        .create(r)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", r.id));
}

/// An image is built and pushed with Docker, and moto serves no registry to push to: the
/// parts of the contract that need no push are checked (a refused property, a read of
/// nothing, a delete of nothing), and the test says the rest is not.
#[test]
fn image_keeps_the_contract() {
    runtime().block_on(async {
        let Some(f) = fixture().await else { return };
        let repository = "ct-dev-image";
        let out = f
            .aws
            .create(&resource(
                ResourceType::EcrRepository,
                "app/repository",
                repository,
                json!({"name": repository, "image_tag_mutability": "MUTABLE", "scan_on_push": false, "force_delete": true, "tags": tags("app/repository")}),
            ))
            .await
            .expect("repository");
        let url = out["url"].as_str().expect("url").to_string();
        let image = resource(
            ResourceType::EcrImage,
            "app/image",
            &format!("{repository}:0123456789abcdef"),
            json!({
                "repository": repository,
                "repository_url": url,
                "tag": "0123456789abcdef",
                "platform": "linux/amd64",
                "context": {"path": "app", "sha256": "0123456789abcdef0123"},
                "dockerfile": "Dockerfile",
            }),
        );
        eprintln!("\n!!!!! PARTLY CHECKED: aws:ecr:Image is built and pushed by Docker, and moto serves no registry to push to: create, update and tags are not checked !!!!!\n");
        let mut typo = image.clone();
        typo.properties["surprise"] = json!(true);
        let err = f.aws.create(&typo).await.expect_err("an unknown property is refused");
        assert_eq!(err.code.as_deref(), Some("InvalidProperties"), "{err}");
        assert!(f.aws.read(&image).await.expect("reads").is_none());
        f.aws.delete(&image).await.expect("a delete of an image never pushed is a no-op");
        assert!(f.aws.read(&image).await.expect("reads").is_none());
    });
}

/// Destroying a bucket with `force_destroy` empties it first. Objects S3 refuses to delete
/// (here: under an Object Lock legal hold) are named in the error, in bounded time, and the
/// rest are deleted; the bucket stays.
#[test]
fn emptying_a_bucket_names_the_keys_it_cannot_delete() {
    use infrac_aws::sdk::s3::primitives::ByteStream;
    use infrac_aws::sdk::s3::types::ObjectLockLegalHoldStatus;
    runtime().block_on(async {
        let Some(f) = fixture().await else { return };
        let name = "ct-dev-locked-1a2b3c";
        f.sdk
            .s3
            .create_bucket()
            .bucket(name)
            .object_lock_enabled_for_bucket(true)
            .send()
            .await
            .expect("bucket");
        for (key, hold) in [
            ("held/a.txt", true),
            ("free.txt", false),
            ("held/b.txt", true),
        ] {
            let mut put = f
                .sdk
                .s3
                .put_object()
                .bucket(name)
                .key(key)
                .body(ByteStream::from_static(b"x"));
            if hold {
                put = put.object_lock_legal_hold_status(ObjectLockLegalHoldStatus::On);
            }
            put.send().await.expect("object");
        }
        let bucket = bucket(name);
        let outcome = tokio::time::timeout(Duration::from_mins(1), f.aws.delete(&bucket))
            .await
            .expect("emptying a bucket ends, whatever S3 refuses");
        let err = outcome.expect_err("held objects cannot be deleted");
        assert_eq!(err.code.as_deref(), Some("ObjectsNotDeleted"), "{err}");
        assert!(
            err.message.starts_with(&format!(
                "2 object version(s) of bucket `media` ({name}) could not be deleted: `held/a.txt`, `held/b.txt` ("
            )),
            "{err}"
        );
        assert!(err.hint.as_deref().unwrap_or_default().contains("legal hold"), "{err}");
        let left = f
            .sdk
            .s3
            .list_object_versions()
            .bucket(name)
            .send()
            .await
            .expect("lists");
        let keys: Vec<&str> = left.versions().iter().filter_map(|v| v.key()).collect();
        assert_eq!(keys, vec!["held/a.txt", "held/b.txt"], "the rest is deleted");
        assert!(
            f.aws.read(&bucket).await.expect("reads").is_some(),
            "the bucket stays"
        );
    });
}
