//! What the generated resources promise: IAM policies name exact actions and exact ARNs, every
//! name fits AWS's rules, everything taggable is tagged, schedules use EventBridge's syntax,
//! and every node points back at the declaration it came from.

mod support;

use infrac_plan::graph::{as_reference, for_each_reference, Reference};
use infrac_plan::names;
use infrac_plan::policy::actions;
use infrac_plan::{ResourceGraph, ResourceType};
use serde_json::{json, Value};

/// The examples and a spread of generated programs.
fn graphs() -> Vec<(String, ResourceGraph)> {
    let mut out: Vec<(String, ResourceGraph)> = support::examples()
        .into_iter()
        .map(|(name, dir)| (name, support::lower_example(&dir)))
        .collect();
    for seed in 0u8..40 {
        let choices: Vec<u8> = (0..24)
            .map(|i| seed.wrapping_mul(37).wrapping_add(i * 11))
            .collect();
        out.push((
            format!("generated-{seed}"),
            support::lower_texts(&[("main.infra", &support::program(&choices))], None),
        ));
    }
    out
}

/// Every policy document of every role: its inline policies.
fn documents(graph: &ResourceGraph) -> Vec<(&str, &Value)> {
    let mut out = Vec::new();
    for node in graph.nodes() {
        if node.ty != ResourceType::IamRole {
            continue;
        }
        if let Some(Value::Object(policies)) = node.properties.get("policies") {
            for doc in policies.values() {
                out.push((node.id.as_str(), doc));
            }
        }
    }
    out
}

#[test]
fn no_policy_has_a_wildcard_action() {
    for (name, graph) in graphs() {
        for (role, doc) in documents(&graph) {
            for action in actions(doc) {
                assert!(
                    !action.contains('*') && !action.contains('?'),
                    "{name}: {role} allows `{action}`"
                );
                assert!(
                    action.contains(':'),
                    "{name}: {role}: `{action}` names no service"
                );
            }
        }
    }
}

#[test]
fn a_star_resource_only_where_aws_allows_nothing_narrower() {
    for (name, graph) in graphs() {
        for (role, doc) in documents(&graph) {
            for statement in doc["Statement"].as_array().expect("statements") {
                let resources = statement["Resource"].as_array().expect("resources");
                if resources.contains(&json!("*")) {
                    assert_eq!(
                        statement["Action"],
                        json!(["ecr:GetAuthorizationToken"]),
                        "{name}: {role}: `*` resource for {}",
                        statement["Action"]
                    );
                }
                assert_eq!(statement["Effect"], "Allow");
            }
        }
    }
}

#[test]
fn writes_with_a_pattern_allow_exactly_those_keys() {
    let dir = support::examples_dir().join("thumbnailer");
    let graph = support::lower_example(&dir);
    let bucket = &graph.get("media").expect("bucket").name;
    let role = graph.get("ffmpeg/task-role").expect("task role");
    let statements = role.properties["policies"]["infrac"]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    let put: Vec<&Value> = statements
        .iter()
        .filter(|s| {
            s["Action"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("s3:PutObject")))
        })
        .collect();
    assert_eq!(put.len(), 1);
    assert_eq!(
        put[0]["Resource"],
        json!([format!("arn:aws:s3:::{bucket}/*.jpg")])
    );
    assert_eq!(put[0]["Action"], json!(["s3:PutObject"]));
    // `reads media`: GetObject on its objects and ListBucket on the bucket, nothing more.
    let granted: Vec<(String, String)> = statements
        .iter()
        .flat_map(|s| {
            let actions: Vec<String> =
                serde_json::from_value(s["Action"].clone()).expect("actions");
            let resources: Vec<String> =
                serde_json::from_value(s["Resource"].clone()).expect("resources");
            actions
                .into_iter()
                .flat_map(move |a| resources.clone().into_iter().map(move |r| (a.clone(), r)))
        })
        .collect();
    assert_eq!(
        granted,
        vec![
            (
                "s3:GetObject".to_string(),
                format!("arn:aws:s3:::{bucket}/*")
            ),
            (
                "s3:ListBucket".to_string(),
                format!("arn:aws:s3:::{bucket}")
            ),
            (
                "s3:PutObject".to_string(),
                format!("arn:aws:s3:::{bucket}/*.jpg")
            ),
        ]
    );
    // A function that names no bucket may only write its logs.
    let function_role = graph.get("on_thumbnail/role").expect("function role");
    let logs_only = actions(&function_role.properties["policies"]["infrac"]);
    assert_eq!(logs_only, vec!["logs:CreateLogStream", "logs:PutLogEvents"]);
}

#[test]
fn names_fit_aws_rules() {
    for (name, graph) in graphs() {
        for node in graph.nodes() {
            // A stack never deployed shows where its instance id goes; check the names as a
            // deploy makes them (instance ids are 12 hex digits).
            let deployed = node.name.replace(names::RANDOM_SUFFIX, "0123456789ab");
            let n = deployed.as_str();
            let max = match node.ty {
                ResourceType::S3Bucket => {
                    assert!(n.len() >= 3, "{name}: {n}");
                    assert!(
                        n.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                        "{name}: bucket `{n}`"
                    );
                    names::S3_BUCKET_MAX
                }
                ResourceType::IamRole => names::IAM_ROLE_MAX,
                ResourceType::LambdaFunction => names::LAMBDA_FUNCTION_MAX,
                ResourceType::EventsRule => names::EVENTS_RULE_MAX,
                ResourceType::LambdaPermission => names::STATEMENT_ID_MAX,
                _ => 255,
            };
            assert!(
                n.len() <= max,
                "{name}: {} `{n}` is longer than {max}",
                node.ty
            );
            assert!(!n.is_empty(), "{name}: {} has no name", node.id);
        }
    }
}

#[test]
fn everything_taggable_is_tagged_and_refers_only_to_planned_nodes() {
    for (name, graph) in graphs() {
        for node in graph.nodes() {
            if node.ty.taggable() {
                let tags = &node.properties["tags"];
                assert_eq!(
                    tags["infrac:project"],
                    json!(graph.project),
                    "{name}: {}",
                    node.id
                );
                assert_eq!(tags["infrac:stack"], json!("dev"), "{name}: {}", node.id);
                assert_eq!(tags["infrac:id"], json!(node.id), "{name}: {}", node.id);
            }
            for_each_reference(&node.properties, &mut |r| {
                if let Reference::Output { node: target, .. } = r {
                    assert!(
                        graph.contains(target),
                        "{name}: {} refers to {target}",
                        node.id
                    );
                    assert!(node.depends_on.iter().any(|d| d == target));
                }
            });
            assert!(as_reference(&node.properties).is_none());
        }
    }
}

#[test]
fn every_node_points_at_its_declaration() {
    let dir = support::examples_dir().join("thumbnailer");
    let project = support::load_example(&dir);
    let graph = support::lower_example(&dir);
    let text = &project.files[0].text;
    for node in graph.nodes() {
        let o = &node.origin;
        assert_eq!(o.file, "main.infra");
        let source = &text[o.span.range()];
        if node.id.starts_with("trigger/") {
            assert!(source.contains("->"), "{}: {source}", node.id);
        } else if node.id != infrac_plan::lower::CLUSTER_ID {
            let declaration = node.id.split('/').next().expect("declaration");
            assert!(source.contains(declaration), "{}: {source}", node.id);
        }
        assert_eq!(o.line, text[..o.span.start()].matches('\n').count() + 1);
    }
}

#[test]
fn schedules_use_eventbridge_expressions() {
    let graph = support::lower_texts(
        &[(
            "main.infra",
            "schedule nightly { cron = \"0 3 * * *\" }\nschedule hourly { every = 1h }\nschedule weekdays { cron = \"*/15 9-17 * * MON-FRI\" }\n",
        )],
        None,
    );
    let expression =
        |id: &str| graph.get(id).expect("rule").properties["schedule_expression"].clone();
    assert_eq!(expression("nightly"), json!("cron(0 3 * * ? *)"));
    assert_eq!(expression("hourly"), json!("rate(1 hour)"));
    assert_eq!(expression("weekdays"), json!("cron(*/15 9-17 ? * 2-6 *)"));
}

#[test]
fn bucket_triggers_of_tasks_filter_keys_with_eventbridge_patterns() {
    let graph = support::lower_texts(
        &[(
            "main.infra",
            r#"bucket media;
task t { image = "alpine" }
media.on_put("uploads/*.mp4") -> task t { env = { KEY = event.key, OUT = "${event.key}.jpg", SIZE = "${event.size}", FROM = event.bucket } }
media.on_put("raw/") -> task t
media.on_delete(".tmp") -> task t
"#,
        )],
        Some("name = \"p\"\n[network]\nsubnets = [\"subnet-1\", \"subnet-2\"]\nsecurity_groups = [\"sg-1\"]\n"),
    );
    let bucket = graph.get("media").expect("bucket").name.clone();
    let rule = |id: &str| {
        graph
            .get(&format!("trigger/{id}/rule"))
            .expect("rule")
            .properties
            .clone()
    };
    let both = rule("media.on_put(uploads/*.mp4)->t");
    assert_eq!(
        both["event_pattern"],
        json!({"source": ["aws.s3"], "detail-type": ["Object Created"],
               "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"wildcard": "uploads/*.mp4"}]}}})
    );
    let target = &both["targets"][0];
    assert_eq!(
        target["ecs_parameters"]["network_configuration"],
        json!({"awsvpc_configuration": {"subnets": ["subnet-1", "subnet-2"], "security_groups": ["sg-1"], "assign_public_ip": "ENABLED"}})
    );
    assert_eq!(target["ecs_parameters"]["launch_type"], "FARGATE");
    let transformer = &target["input_transformer"];
    assert_eq!(
        transformer["input_paths_map"],
        json!({"key": "$.detail.object.key", "size": "$.detail.object.size", "bucket": "$.detail.bucket.name"})
    );
    let template: Value =
        serde_json::from_str(transformer["input_template"].as_str().expect("template"))
            .expect("the template is JSON");
    assert_eq!(
        template,
        json!({"containerOverrides": [{"name": "t", "environment": [
            {"name": "FROM", "value": "<bucket>"},
            {"name": "KEY", "value": "<key>"},
            {"name": "OUT", "value": "<key>.jpg"},
            {"name": "SIZE", "value": "<size>"},
        ]}]})
    );
    assert_eq!(
        rule("media.on_put(raw/)->t")["event_pattern"]["detail"]["object"],
        json!({"key": [{"prefix": "raw/"}]})
    );
    let deleted = rule("media.on_delete(.tmp)->t");
    assert_eq!(
        deleted["event_pattern"]["detail-type"],
        json!(["Object Deleted"])
    );
    assert_eq!(
        deleted["event_pattern"]["detail"]["object"],
        json!({"key": [{"suffix": ".tmp"}]})
    );
    assert!(deleted["targets"][0].get("input_transformer").is_none());
    // The bucket sends its events to EventBridge, and has no Lambda configurations.
    let notifications = &graph
        .get("media/notifications")
        .expect("notifications")
        .properties;
    assert_eq!(notifications["eventbridge"], json!(true));
    assert_eq!(notifications["lambda_functions"], json!([]));
}

/// Every node's properties are exactly its type's struct: they read back as it (no unknown or
/// missing key) and write out to the same JSON, so plans and state keep their form. Beside
/// the examples and generated programs, one program sets what they leave out: subnets and
/// security groups, storage, a function without a handler, versioning and expiry, and a
/// schedule that runs a function and a task.
#[test]
fn every_node_is_its_types_properties() {
    let rare = support::lower_texts(
        &[(
            "main.infra",
            r#"bucket media { versioning = true force_destroy = true expire_after = 30d }
function boot { runtime = "provided.al2023" code = "./code" arch = "arm64" }
task t { image = "alpine" storage = 30GB command = ["run", "${media.name}"] }
schedule nightly { cron = "0 3 * * *" }
nightly.on_tick() -> task t { env = { AT = event.time } }
nightly.on_tick() -> function boot
media.on_delete() -> function boot
"#,
        )],
        Some("name = \"p\"\n[network]\nsubnets = [\"subnet-1\"]\nsecurity_groups = [\"sg-1\"]\n"),
    );
    let seen: std::collections::BTreeSet<&str> = rare
        .nodes()
        .iter()
        .flat_map(|n| {
            let p = &n.properties;
            [
                ("handler", p.get("handler")),
                ("storage", p.get("ephemeral_storage")),
                ("lifecycle", p.get("lifecycle")),
                ("command", p["container_definitions"][0].get("command")),
                (
                    "security_groups",
                    p["targets"].as_array().and_then(|targets| {
                        targets.iter().find_map(|t| {
                            t["ecs_parameters"]["network_configuration"]["awsvpc_configuration"]
                                .get("security_groups")
                        })
                    }),
                ),
            ]
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k)
        })
        .collect();
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["command", "lifecycle", "security_groups", "storage"],
        "the program above covers what it says"
    );
    let mut graphs = graphs();
    graphs.push(("rare".into(), rare));
    for (name, graph) in graphs {
        for node in graph.nodes() {
            match infrac_plan::props::round_trip(node.ty, &node.properties) {
                Ok(again) => assert_eq!(
                    again.to_string(),
                    node.properties.to_string(),
                    "{name}: {} ({})",
                    node.id,
                    node.ty
                ),
                Err(err) => panic!("{name}: {} ({}): {err}", node.id, node.ty),
            }
        }
    }
}
