//! Helpers shared by the tests and the benchmark: loading projects (from disk or from texts
//! with faked `code` folders), lowering them, and applying a plan to a state in memory the way
//! a deploy would, with made-up outputs.

#![allow(dead_code)]

use infrac_check::project::build_project;
use infrac_check::{check_project, load_project, DiskFileSystem, FileSystem, Project};
use infrac_plan::diff::Action;
use infrac_plan::{diff, lower_program, Plan, ResourceGraph, State};
use serde_json::json;
use std::io;
use std::path::{Path, PathBuf};

/// A file system where every folder named in a program exists and holds one small file whose
/// contents are the folder's name (so two folders hash differently), and every `Dockerfile`
/// exists. Nothing else is read.
pub struct FakeFolders;

impl FileSystem for FakeFolders {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        Ok(path.to_string_lossy().as_bytes().to_vec())
    }
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(vec![dir.join("index.js")])
    }
    fn is_file(&self, path: &Path) -> bool {
        path.extension().is_some() || path.ends_with("Dockerfile")
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.extension().is_none() && !path.ends_with("Dockerfile")
    }
}

/// A project from in-memory texts: `(file name, text)`, plus an optional `infra.toml`.
pub fn project_from_texts(files: &[(&str, &str)], toml: Option<&str>) -> Project {
    let root = PathBuf::from("/project");
    build_project(
        root.clone(),
        files
            .iter()
            .map(|(name, text)| (root.join(name), text.as_bytes().to_vec()))
            .collect(),
        toml.map(|t| (root.join("infra.toml"), t.as_bytes().to_vec())),
    )
}

/// Checks and lowers a project; panics (in a test) on any error.
pub fn lower(project: &Project, fs: &dyn FileSystem, stack: &str) -> ResourceGraph {
    let checked = check_project(project, fs);
    assert!(
        !checked.has_errors(),
        "{:#?}",
        checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (&d.message, project.file(d.file).path.display().to_string()))
            .collect::<Vec<_>>()
    );
    let lowered = lower_program(project, &checked.model, fs, stack);
    assert!(lowered.problems.is_empty(), "{:?}", lowered.problems);
    assert!(
        lowered.graph.dangling().is_empty(),
        "{:?}",
        lowered.graph.dangling()
    );
    lowered.graph
}

pub fn lower_texts(files: &[(&str, &str)], toml: Option<&str>) -> ResourceGraph {
    lower(&project_from_texts(files, toml), &FakeFolders, "dev")
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every example project folder, sorted by name.
pub fn examples() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(examples_dir())
        .expect("examples folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, p)
        })
        .collect();
    out.sort();
    out
}

pub fn load_example(dir: &Path) -> Project {
    load_project(&DiskFileSystem, dir).expect("example loads")
}

pub fn lower_example(dir: &Path) -> ResourceGraph {
    lower(&load_example(dir), &DiskFileSystem, "dev")
}

pub fn empty_state(graph: &ResourceGraph) -> State {
    State::empty(&graph.project, &graph.stack, "test-lineage")
}

/// Outputs a deploy would record: an ARN (and a URL for a repository), made up but shaped
/// like AWS's.
fn fake_outputs(step: &infrac_plan::PlanStep, revision: u64) -> serde_json::Value {
    use infrac_plan::ResourceType as T;
    let account = "123456789012";
    let arn = match step.ty {
        T::S3Bucket => format!("arn:aws:s3:::{}", step.name),
        T::S3BucketNotification | T::LambdaPermission | T::EcrImage => {
            return json!({});
        }
        T::IamRole => format!("arn:aws:iam::{account}:role/{}", step.name),
        T::LambdaFunction => format!("arn:aws:lambda:us-east-1:{account}:function:{}", step.name),
        T::LogGroup => format!("arn:aws:logs:us-east-1:{account}:log-group:{}", step.name),
        T::EcsCluster => format!("arn:aws:ecs:us-east-1:{account}:cluster/{}", step.name),
        T::EcsTaskDefinition => format!(
            "arn:aws:ecs:us-east-1:{account}:task-definition/{}:{revision}",
            step.name
        ),
        T::EcrRepository => {
            return json!({
                "arn": format!("arn:aws:ecr:us-east-1:{account}:repository/{}", step.name),
                "url": format!("{account}.dkr.ecr.us-east-1.amazonaws.com/{}", step.name),
            });
        }
        T::EventsRule => format!("arn:aws:events:us-east-1:{account}:rule/{}", step.name),
        T::Ec2SecurityGroup => return json!({ "id": "sg-0123456789abcdef0" }),
        T::Elbv2LoadBalancer => {
            let dns = format!("{}-123456789.us-east-1.elb.amazonaws.com", step.name);
            return json!({
                "arn": format!("arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/app/{}/50dc6c495c0c9188", step.name),
                "dns_name": dns,
                "url": format!("http://{dns}"),
            });
        }
        T::Elbv2TargetGroup => format!(
            "arn:aws:elasticloadbalancing:us-east-1:{account}:targetgroup/{}/73e2d6bc24d8a067",
            step.name
        ),
        T::Elbv2Listener => format!(
            "arn:aws:elasticloadbalancing:us-east-1:{account}:listener/app/lb/50dc6c495c0c9188/f2f7dc8efc522ab2"
        ),
        T::EcsService => format!(
            "arn:aws:ecs:us-east-1:{account}:service/cluster/{}",
            step.name
        ),
        T::ScalableTarget | T::ScalingPolicy => return json!({}),
    };
    json!({ "arn": arn })
}

/// Applies every step of a plan to the state in memory, as a successful deploy would.
pub fn apply(state: &State, plan: &Plan) -> State {
    let mut next = state.clone();
    next.serial += 1;
    for step in &plan.steps {
        next.mark_pending(step);
        let outputs = if step.action == Action::Delete {
            json!({})
        } else {
            fake_outputs(step, next.serial)
        };
        next.record(step, outputs);
    }
    next
}

/// Plans, applies and returns the state a deploy of `graph` on `state` leaves.
pub fn deploy(graph: &ResourceGraph, state: &State) -> State {
    apply(state, &diff(graph, state))
}

/// A valid program chosen by `choices`: up to 3 buckets, 3 functions, 2 tasks and 2 schedules
/// with random attributes, accesses and triggers. Names come from a small pool, so two
/// programs share ids and their plans update, replace and delete as well as create.
pub fn program(choices: &[u8]) -> String {
    let mut i = 0usize;
    let mut pick = |n: usize| {
        let c = choices.get(i % choices.len().max(1)).copied().unwrap_or(0) as usize;
        i += 1;
        (c + i / choices.len().max(1)) % n
    };
    let mut out = String::new();
    let buckets = 1 + pick(3);
    for b in 0..buckets {
        out.push_str(&format!(
            "bucket b{b} {{ versioning = {} {} }}\n",
            pick(2) == 1,
            if pick(3) == 0 {
                "expire_after = 7d"
            } else {
                ""
            }
        ));
    }
    let functions = pick(4);
    for f in 0..functions {
        let mut env = vec![];
        if pick(2) == 0 {
            env.push(format!("B = b{}.name", pick(buckets)));
        }
        if f > 0 && pick(2) == 0 {
            env.push(format!("PEER = f{}.arn", pick(f)));
        }
        out.push_str(&format!(
            "function f{f} {{ runtime = \"{}\" handler = \"i.h\" code = \"./code{}\" memory = {}MB timeout = {}s env = {{ {} }} {} {} }}\n",
            ["nodejs24.x", "python3.12"][pick(2)],
            pick(2),
            [128, 256, 512][pick(3)],
            [3, 30][pick(2)],
            env.join(" "),
            if pick(2) == 0 { format!("reads b{}", pick(buckets)) } else { String::new() },
            if pick(2) == 0 { format!("writes b{}(\"*.out\")", pick(buckets)) } else { String::new() },
        ));
    }
    let tasks = pick(3);
    for t in 0..tasks {
        let source = if pick(2) == 0 {
            format!("build = \"./img{}\"", pick(2))
        } else {
            "image = \"public.ecr.aws/docker/library/alpine:3.20\"".to_string()
        };
        let (cpu, memory) = [(256, "512MB"), (512, "1GB"), (1024, "2GB")][pick(3)];
        let env = if functions > 0 && pick(2) == 0 {
            format!("env = {{ F = f{}.arn }}", pick(functions))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "task t{t} {{ {source} cpu = {cpu} memory = {memory} {env} {} }}\n",
            if pick(2) == 0 {
                format!("writes b{}(\"*.out\")", pick(buckets))
            } else {
                String::new()
            },
        ));
    }
    let schedules = pick(3);
    for s in 0..schedules {
        let when = if pick(2) == 0 {
            "cron = \"0 3 * * *\""
        } else {
            "every = 1h"
        };
        out.push_str(&format!("schedule s{s} {{ {when} }}\n"));
    }
    for b in 0..buckets {
        for f in 0..functions {
            if pick(3) == 0 {
                out.push_str(&format!("b{b}.on_put(\".in{b}{f}\") -> function f{f}\n"));
            }
        }
        for t in 0..tasks {
            if pick(3) == 0 {
                let env = if pick(2) == 0 {
                    "{ env = { KEY = event.key } }"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "b{b}.on_put(\"jobs/*.j{b}{t}\") -> task t{t} {env}\n"
                ));
            }
        }
    }
    for s in 0..schedules {
        for f in 0..functions {
            if pick(3) == 0 {
                out.push_str(&format!("s{s}.on_tick() -> function f{f}\n"));
            }
        }
        for t in 0..tasks {
            if pick(3) == 0 {
                out.push_str(&format!("s{s}.on_tick() -> task t{t}\n"));
            }
        }
    }
    out
}
