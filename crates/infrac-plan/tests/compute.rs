//! `runs`, `invokes` and secrets in the plan: the exact policies, the added environment and
//! the ECS `secrets` entries, as snapshots of the nodes they change. Review a changed snapshot
//! as you would a change to an IAM policy.

mod support;

use infrac_plan::ResourceGraph;
use serde_json::{json, Value};

const PROGRAM: &str = r#"
bucket media {}
secret api_key
secret db_password

task ffmpeg {
  build = "./ffmpeg"
  env = { API_KEY = api_key.value, DB_PASSWORD = db_password.value, MODE = "fast" }
  writes media("*.jpg")
}

function on_thumbnail {
  runtime = "nodejs22.x"
  handler = "index.handler"
  code = "./on-thumbnail"
}

function on_new_video {
  runtime = "nodejs22.x"
  handler = "index.handler"
  code = "./on-new-video"
  env = { API_KEY_PARAMETER = api_key.name }
  reads api_key
  runs ffmpeg
  invokes on_thumbnail
}

media.on_put(".mp4") -> function on_new_video
"#;

/// The properties of the nodes that `runs`, `invokes` and secrets shape.
fn shaped(graph: &ResourceGraph) -> Value {
    let mut out = serde_json::Map::new();
    for (id, pointer) in [
        ("on_new_video/role", "/policies"),
        ("on_new_video", "/environment"),
        ("ffmpeg/execution-role", "/policies"),
        ("ffmpeg/task-role", "/policies"),
        ("ffmpeg/definition", "/container_definitions/0/environment"),
        ("ffmpeg/definition", "/container_definitions/0/secrets"),
    ] {
        let node = graph.get(id).unwrap_or_else(|| panic!("no node `{id}`"));
        let value = node
            .properties
            .pointer(pointer)
            .cloned()
            .unwrap_or(Value::Null);
        out.insert(format!("{id} {pointer}"), value);
    }
    Value::Object(out)
}

#[test]
fn runs_invokes_and_secrets_in_the_default_vpc() {
    let graph = support::lower_texts(&[("main.infra", PROGRAM)], None);
    let text = serde_json::to_string_pretty(&shaped(&graph)).expect("json");
    insta::assert_snapshot!(text);
}

#[test]
fn runs_passes_the_configured_network() {
    let toml = "name = \"video\"\nregion = \"eu-west-1\"\n[network]\nsubnets = [\"subnet-a\", \"subnet-b\"]\nsecurity_groups = [\"sg-1\"]\n";
    let graph = support::lower_texts(&[("main.infra", PROGRAM)], Some(toml));
    let env = &graph.get("on_new_video").expect("function").properties["environment"];
    assert_eq!(env["FFMPEG_SUBNETS"], json!("subnet-a,subnet-b"));
    assert_eq!(env["FFMPEG_SECURITY_GROUPS"], json!("sg-1"));
    assert_eq!(
        env["FFMPEG_TASK_DEFINITION"],
        json!({"$join": ["arn:aws:ecs:eu-west-1:", {"$lookup": "aws.account_id"}, ":task-definition/video-dev-ffmpeg"]})
    );
    assert_eq!(env["API_KEY_PARAMETER"], json!("/video/dev/api_key"));
}

#[test]
fn a_secret_is_no_resource_of_the_plan() {
    let graph = support::lower_texts(&[("main.infra", PROGRAM)], None);
    for node in graph.nodes() {
        assert!(
            !node.id.starts_with("api_key") && !node.id.starts_with("db_password"),
            "{} was planned",
            node.id
        );
    }
}

/// A service's container goes through the task's lowering, so `runs`, `invokes`, `reads` and
/// secrets in `env` shape a service exactly as they shape a task: the same grants on its roles,
/// the same added variables and `secrets` entries in its task definition.
#[test]
fn a_service_runs_invokes_and_takes_secrets_as_a_task_does() {
    let program = format!(
        "{PROGRAM}\nservice gallery {{\n  image = \"public.ecr.aws/nginx/nginx:1.27\"\n  env = {{ API_KEY = api_key.value }}\n  reads api_key\n  runs ffmpeg\n  invokes on_thumbnail\n}}\n"
    );
    let graph = support::lower_texts(&[("main.infra", &program)], None);
    let props = |id: &str| {
        graph
            .get(id)
            .unwrap_or_else(|| panic!("no `{id}`"))
            .properties
            .clone()
    };
    let policies = |id: &str| props(id)["policies"].to_string();

    let container = &props("gallery/definition")["container_definitions"][0];
    assert_eq!(
        container["secrets"],
        props("ffmpeg/definition")["container_definitions"][0]["secrets"]
            .as_array()
            .map(|s| json!([s[0]]))
            .expect("ffmpeg's secrets"),
        "the service's API_KEY is the same secrets entry as the task's"
    );
    let names: Vec<&str> = container["environment"]
        .as_array()
        .expect("environment")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for added in [
        "FFMPEG_CLUSTER",
        "FFMPEG_CONTAINER",
        "FFMPEG_SECURITY_GROUPS",
        "FFMPEG_SUBNETS",
        "FFMPEG_TASK_DEFINITION",
        "ON_THUMBNAIL_FUNCTION",
    ] {
        assert!(names.contains(&added), "{added} in {names:?}");
    }
    assert!(
        !names.contains(&"API_KEY"),
        "the secret is no plain variable: {names:?}"
    );

    let exec = policies("gallery/execution-role");
    assert!(
        exec.contains("ssm:GetParameters") && exec.contains(":parameter/project/dev/api_key"),
        "{exec}"
    );
    assert!(
        !exec.contains("db_password"),
        "only the parameters it uses: {exec}"
    );
    let task = policies("gallery/task-role");
    for action in [
        "ecs:RunTask",
        "iam:PassRole",
        "lambda:InvokeFunction",
        "ssm:GetParameter\"",
        "kms:Decrypt",
    ] {
        assert!(task.contains(action), "{action} in {task}");
    }
}
