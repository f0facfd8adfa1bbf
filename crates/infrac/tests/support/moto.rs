//! The test harness for deploys against moto's server: starts `moto_server` on a free port
//! of 127.0.0.1, runs the real `infrac` binary against it, checks through the real SDK
//! clients, and (`FaultProxy`) puts a proxy in front of it that delays, throttles and fails
//! calls.

#![allow(
    dead_code,
    clippy::map_unwrap_or,
    clippy::needless_pass_by_value,
    clippy::redundant_closure_for_method_calls
)]

use infrac_aws::sdk;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Mutex<Child>,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            // Closing the keeper's stdin is what stops moto (see `moto()`).
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// Runs `moto_server` on `port` under a shell that keeps it only while its stdin is open: the
/// test binary holds the other end, and the kernel closes it however the binary ends (a static
/// is never dropped, a failed test aborts), so no moto outlives its tests.
const MOTO_KEEPER: &str =
    "moto_server -H 127.0.0.1 -p \"$1\" >/dev/null & moto=$!; cat >/dev/null; kill $moto; wait $moto";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One moto server for the whole test binary (each test uses its own project names), or
/// `None` when moto is not installed (the test then says so loudly and passes).
pub fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| {
        if Command::new("moto_server").arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
            eprintln!("\n\n!!!!! SKIPPED: moto_server is not installed (python3 -m pip install \"moto[server]==5.2.5\"); scripts/test.sh installs it !!!!!\n");
            return None;
        }
        let port = free_port();
        let log = std::env::temp_dir().join(format!("infrac-moto-{port}.log"));
        let child = Command::new("sh")
            .args(["-c", MOTO_KEEPER, "sh", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).map(Stdio::from).unwrap_or_else(|_| Stdio::null()))
            .spawn()
            .expect("moto_server starts");
        let moto = Moto { child: Mutex::new(child), url: format!("http://127.0.0.1:{port}") };
        let start = Instant::now();
        while start.elapsed() < Duration::from_mins(1) {
            if http(&moto.url, "GET", "/moto-api/", "").is_some() {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("moto_server did not answer on port {port} within 60s (log: {})", log.display());
    })
    .as_ref()
}

/// A plain HTTP/1.1 request; the response body, or `None` when nothing answers.
pub fn http(base: &str, method: &str, path: &str, body: &str) -> Option<String> {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).ok()?;
    let mut out = String::new();
    stream.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// A bucket's notification configuration as AWS Config records it (moto's S3 API never
/// returns the EventBridge switch; its AWS Config emulation does). AWS Config speaks JSON
/// over HTTP; moto does not check signatures.
pub fn config_notifications(base: &str, bucket: &str) -> Value {
    let addr = base.trim_start_matches("http://");
    let body = format!("{{\"resourceKeys\":[{{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"{bucket}\"}}]}}");
    let mut stream = TcpStream::connect(addr).expect("connects");
    write!(stream, "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: StarlingDoveService.BatchGetResourceConfig\r\nContent-Type: application/x-amz-json-1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/config/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    let json: Value =
        serde_json::from_str(out.split_once("\r\n\r\n").map_or("", |(_, b)| b)).expect("json");
    let text = json["baseConfigurationItems"][0]["supplementaryConfiguration"]
        ["BucketNotificationConfiguration"]
        .as_str()
        .unwrap_or("{}")
        .to_string();
    serde_json::from_str(&text).expect("configuration json")
}

/// A project made from the thumbnailer whose bucket starts the task itself
/// (`examples/thumbnailer-direct`): its own name (so tests sharing one moto never meet),
/// `image` instead of `build` (no Docker engine here), and without its webhook (so no secret
/// must be set first).
pub fn thumbnailer(name: &str) -> tempfile::TempDir {
    example_copy(
        "thumbnailer-direct",
        name,
        &[
            (
                "    WEBHOOK_URL   = \"https://hooks.example.com/thumbnails\"\n",
                "",
            ),
            ("    WEBHOOK_TOKEN = webhook_token.value\n", ""),
        ],
    )
}

/// The main thumbnailer (`examples/thumbnailer`: a function works out the frame and `runs`
/// the task), named and with `image` as [`thumbnailer`] makes it.
pub fn thumbnailer_runs(name: &str) -> tempfile::TempDir {
    example_copy("thumbnailer", name, &[])
}

fn example_copy(example: &str, name: &str, edits: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example);
    copy_dir(&example, dir.path());
    let main = dir.path().join("main.infra");
    let mut text = std::fs::read_to_string(&main).expect("reads");
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "the example changed: no `{from}` in {text}"
        );
        text = text.replace(from, to);
    }
    let text = text.replace(
        "build  = \"./ffmpeg\"          // folder holding a Dockerfile",
        "image = \"public.ecr.aws/docker/library/alpine:3.20\"",
    );
    assert!(text.contains("image = "), "the example changed: {text}");
    std::fs::write(&main, text).expect("writes");
    std::fs::write(
        dir.path().join("infra.toml"),
        format!("name = \"{name}\"\nregion = \"us-east-1\"\n"),
    )
    .expect("writes");
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("reads dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            if entry.file_name() == ".infra" {
                continue;
            }
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copies");
        }
    }
}

pub fn edit(project: &Path, from: &str, to: &str) {
    let main = project.join("main.infra");
    let text = std::fs::read_to_string(&main).expect("reads");
    assert!(text.contains(from), "no `{from}` in {text}");
    std::fs::write(&main, text.replacen(from, to, 1)).expect("writes");
}

/// `program` (the `infrac` binary, or a wrapper such as `script` that runs it) set up to talk
/// to `endpoint` with test credentials, with no test hook and no colour.
pub fn aws_command(program: &str, endpoint: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("INFRAC_TEST_KILL_AFTER_CALLS")
        .env_remove("INFRAC_TEST_CALL_LOG");
    cmd
}

/// Runs `infrac ARGS` against `endpoint` with test credentials.
pub fn infrac(endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = aws_command(env!("CARGO_BIN_EXE_infrac"), endpoint);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("infrac runs")
}

/// A project named `name` of `n` small functions sharing one `./code` folder.
pub fn functions_project(name: &str, n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("code")).expect("mkdir");
    std::fs::write(
        dir.path().join("code/index.js"),
        "exports.handler = async () => 1;\n",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("infra.toml"),
        format!("name = \"{name}\"\nregion = \"us-east-1\"\n"),
    )
    .expect("writes");
    let mut program = String::new();
    for i in 0..n {
        program.push_str(&format!(
            "function f{i} {{\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./code\"\n}}\n\n"
        ));
    }
    std::fs::write(dir.path().join("main.infra"), program).expect("writes");
    dir
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[track_caller]
pub fn ok(out: Output) -> String {
    let t = text(&out);
    assert!(
        out.status.success(),
        "infrac failed ({:?}):\n{t}",
        out.status
    );
    t
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The SDK clients, pointed at moto.
pub struct Sdk {
    pub s3: sdk::s3::Client,
    pub lambda: sdk::lambda::Client,
    pub iam: sdk::iam::Client,
    pub logs: sdk::logs::Client,
    pub ecs: sdk::ecs::Client,
    pub ecr: sdk::ecr::Client,
    pub events: sdk::events::Client,
    pub elbv2: sdk::elbv2::Client,
    pub autoscaling: sdk::autoscaling::Client,
    /// For EC2, which infrac calls through its own Query client (`infrac_aws::ec2`).
    pub config: sdk::SdkConfig,
    pub ssm: sdk::ssm::Client,
}

pub async fn sdk(endpoint: &str) -> Sdk {
    let config = infrac_aws::config::static_config(endpoint, "us-east-1").await;
    let s3 = sdk::s3::config::Builder::from(&config)
        .force_path_style(true)
        .build();
    Sdk {
        s3: sdk::s3::Client::from_conf(s3),
        lambda: sdk::lambda::Client::new(&config),
        iam: sdk::iam::Client::new(&config),
        logs: sdk::logs::Client::new(&config),
        ecs: sdk::ecs::Client::new(&config),
        ecr: sdk::ecr::Client::new(&config),
        events: sdk::events::Client::new(&config),
        elbv2: sdk::elbv2::Client::new(&config),
        autoscaling: sdk::autoscaling::Client::new(&config),
        ssm: sdk::ssm::Client::new(&config),
        config,
    }
}

/// Whether an error says the resource is not there. Tests share one moto server, so another
/// test may delete a resource between our listing and our reading its tags: that resource is
/// not ours, and is skipped. Every other error still fails the test.
fn vanished<E: sdk::s3::error::ProvideErrorMetadata>(error: &E) -> bool {
    error
        .code()
        .is_some_and(|code| code.starts_with("NoSuch") || code.contains("NotFound"))
}

/// Every resource in moto tagged `infrac:project = project` and `infrac:stack = stack`, as
/// `(type, name, infrac:id)`, found through the SDK (not through infrac's state).
pub async fn tagged(sdk: &Sdk, project: &str, stack: &str) -> Vec<(String, String, String)> {
    use std::collections::HashMap;
    let mine = |tags: &HashMap<String, String>| {
        (tags.get("infrac:project").map(String::as_str) == Some(project)
            && tags.get("infrac:stack").map(String::as_str) == Some(stack))
        .then(|| tags.get("infrac:id").cloned().unwrap_or_default())
    };
    let pairs = |it: Vec<(String, String)>| -> HashMap<String, String> { it.into_iter().collect() };
    let mut out = Vec::new();
    for b in sdk
        .s3
        .list_buckets()
        .send()
        .await
        .expect("lists buckets")
        .buckets()
    {
        let name = b.name().unwrap_or_default().to_string();
        if let Ok(t) = sdk.s3.get_bucket_tagging().bucket(&name).send().await {
            let tags = pairs(
                t.tag_set()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            );
            if let Some(id) = mine(&tags) {
                out.push(("aws:s3:Bucket".into(), name, id));
            }
        }
    }
    let mut marker = None;
    loop {
        let page = sdk
            .lambda
            .list_functions()
            .set_marker(marker)
            .send()
            .await
            .expect("lists functions");
        for f in page.functions() {
            let arn = f.function_arn().unwrap_or_default();
            let tags = match sdk.lambda.list_tags().resource(arn).send().await {
                Ok(found) => found,
                Err(e) if vanished(&e) => continue,
                Err(e) => panic!("tags: {e:?}"),
            }
            .tags()
            .cloned()
            .unwrap_or_default();
            if let Some(id) = mine(&tags) {
                out.push((
                    "aws:lambda:Function".into(),
                    f.function_name().unwrap_or_default().into(),
                    id,
                ));
            }
        }
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    let mut marker = None;
    loop {
        let page = sdk
            .iam
            .list_roles()
            .set_marker(marker)
            .send()
            .await
            .expect("lists roles");
        for r in page.roles() {
            let t = match sdk
                .iam
                .list_role_tags()
                .role_name(r.role_name())
                .send()
                .await
            {
                Ok(found) => found,
                Err(e) if vanished(&e) => continue,
                Err(e) => panic!("role tags: {e:?}"),
            };
            let tags = pairs(
                t.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            );
            if let Some(id) = mine(&tags) {
                out.push(("aws:iam:Role".into(), r.role_name().into(), id));
            }
        }
        marker = page
            .marker()
            .map(str::to_string)
            .filter(|_| page.is_truncated());
        if marker.is_none() {
            break;
        }
    }
    let mut token = None;
    loop {
        let page = sdk
            .logs
            .describe_log_groups()
            .set_next_token(token)
            .send()
            .await
            .expect("lists log groups");
        for g in page.log_groups() {
            let name = g.log_group_name().unwrap_or_default();
            let arn = g
                .arn()
                .unwrap_or_default()
                .trim_end_matches(":*")
                .to_string();
            let mut tags = sdk
                .logs
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .ok()
                .and_then(|t| t.tags().cloned())
                .unwrap_or_default();
            if tags.is_empty() {
                #[allow(deprecated)]
                let old = sdk
                    .logs
                    .list_tags_log_group()
                    .log_group_name(name)
                    .send()
                    .await;
                tags = old.ok().and_then(|t| t.tags().cloned()).unwrap_or_default();
            }
            if let Some(id) = mine(&tags) {
                out.push(("aws:logs:LogGroup".into(), name.into(), id));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let clusters = sdk
        .ecs
        .list_clusters()
        .send()
        .await
        .expect("lists clusters");
    for arn in clusters.cluster_arns() {
        let d = match sdk.ecs.describe_clusters().clusters(arn).send().await {
            Ok(found) => found,
            Err(e) if vanished(&e) => continue,
            Err(e) => panic!("describes: {e:?}"),
        };
        if d.clusters().iter().all(|c| c.status() != Some("ACTIVE")) {
            continue;
        }
        let t = match sdk
            .ecs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
        {
            Ok(found) => found,
            Err(e) if vanished(&e) => continue,
            Err(e) => panic!("tags: {e:?}"),
        };
        let tags = pairs(
            t.tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        );
        if let Some(id) = mine(&tags) {
            out.push(("aws:ecs:Cluster".into(), arn.clone(), id));
        }
    }
    let mut token = None;
    loop {
        let page = sdk
            .ecs
            .list_task_definitions()
            .status(sdk::ecs::types::TaskDefinitionStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .expect("lists task definitions");
        for arn in page.task_definition_arns() {
            let t = match sdk
                .ecs
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
            {
                Ok(found) => found,
                Err(e) if vanished(&e) => continue,
                Err(e) => panic!("tags: {e:?}"),
            };
            let tags = pairs(
                t.tags()
                    .iter()
                    .map(|t| {
                        (
                            t.key().unwrap_or_default().to_string(),
                            t.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
            );
            if let Some(id) = mine(&tags) {
                out.push(("aws:ecs:TaskDefinition".into(), arn.clone(), id));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut token = None;
    loop {
        let page = sdk
            .events
            .list_rules()
            .set_next_token(token)
            .send()
            .await
            .expect("lists rules");
        for rule in page.rules() {
            let arn = rule.arn().unwrap_or_default();
            let t = match sdk
                .events
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
            {
                Ok(found) => found,
                Err(e) if vanished(&e) => continue,
                Err(e) => panic!("tags: {e:?}"),
            };
            let tags = pairs(
                t.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            );
            if let Some(id) = mine(&tags) {
                out.push((
                    "aws:events:Rule".into(),
                    rule.name().unwrap_or_default().into(),
                    id,
                ));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    tagged_service_resources(sdk, &mine, &mut out).await;
    out.sort();
    out
}

/// The tagged resources a `service` makes besides its task's: ECS services, load balancers,
/// target groups, listeners and security groups.
async fn tagged_service_resources(
    sdk: &Sdk,
    mine: &dyn Fn(&std::collections::HashMap<String, String>) -> Option<String>,
    out: &mut Vec<(String, String, String)>,
) {
    use std::collections::HashMap;
    let clusters = sdk
        .ecs
        .list_clusters()
        .send()
        .await
        .expect("lists clusters");
    for cluster in clusters.cluster_arns() {
        let Ok(services) = sdk.ecs.list_services().cluster(cluster).send().await else {
            continue;
        };
        for arn in services.service_arns() {
            let Ok(d) = sdk
                .ecs
                .describe_services()
                .cluster(cluster)
                .services(arn)
                .include(sdk::ecs::types::ServiceField::Tags)
                .send()
                .await
            else {
                continue;
            };
            for s in d.services().iter().filter(|s| s.status() == Some("ACTIVE")) {
                let tags: HashMap<String, String> = s
                    .tags()
                    .iter()
                    .map(|t| {
                        (
                            t.key().unwrap_or_default().to_string(),
                            t.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                if let Some(id) = mine(&tags) {
                    out.push(("aws:ecs:Service".into(), arn.clone(), id));
                }
            }
        }
    }
    let mut arns: Vec<(&str, String)> = Vec::new();
    let lbs = sdk
        .elbv2
        .describe_load_balancers()
        .send()
        .await
        .expect("lists load balancers");
    for lb in lbs.load_balancers() {
        let lb_arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        if let Ok(listeners) = sdk
            .elbv2
            .describe_listeners()
            .load_balancer_arn(&lb_arn)
            .send()
            .await
        {
            for l in listeners.listeners() {
                arns.push((
                    "aws:elbv2:Listener",
                    l.listener_arn().unwrap_or_default().to_string(),
                ));
            }
        }
        arns.push(("aws:elbv2:LoadBalancer", lb_arn));
    }
    let tgs = sdk
        .elbv2
        .describe_target_groups()
        .send()
        .await
        .expect("lists target groups");
    for tg in tgs.target_groups() {
        arns.push((
            "aws:elbv2:TargetGroup",
            tg.target_group_arn().unwrap_or_default().to_string(),
        ));
    }
    for (ty, arn) in arns {
        let Ok(d) = sdk.elbv2.describe_tags().resource_arns(&arn).send().await else {
            continue;
        };
        for description in d.tag_descriptions() {
            let tags: HashMap<String, String> = description
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            if let Some(id) = mine(&tags) {
                out.push((ty.into(), arn.clone(), id));
            }
        }
    }
    let groups = infrac_aws::ec2::all_groups(&sdk.config)
        .await
        .expect("lists security groups");
    for g in groups {
        let tags: HashMap<String, String> = g.tags.into_iter().collect();
        if let Some(id) = mine(&tags) {
            out.push(("aws:ec2:SecurityGroup".into(), g.id, id));
        }
    }
}

/// A proxy in front of an endpoint: each request may be delayed, throttled or failed, by a
/// rule the test sets. Every response closes its connection (moto's server does the same).
pub struct FaultProxy {
    pub url: String,
    stop: Arc<AtomicBool>,
    pub requests: Arc<AtomicU64>,
    pub faults: Arc<AtomicU64>,
}

/// What to do with the n-th request (from 1) whose head is `head`.
pub type Rule = dyn Fn(u64, &str) -> Fault + Send + Sync;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// 429 with a throttling error in both AWS protocols' forms.
    Throttle,
    /// 500 Internal error.
    Fail,
}

impl FaultProxy {
    pub fn start(upstream: &str, latency: Duration, rule: Arc<Rule>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicU64::new(0));
        let faults = Arc::new(AtomicU64::new(0));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let (stop2, requests2, faults2) = (
            Arc::clone(&stop),
            Arc::clone(&requests),
            Arc::clone(&faults),
        );
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let upstream = upstream.clone();
                        let rule = Arc::clone(&rule);
                        let (requests, faults) = (Arc::clone(&requests2), Arc::clone(&faults2));
                        std::thread::spawn(move || {
                            let _ = serve(client, &upstream, latency, &*rule, &requests, &faults);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FaultProxy {
            url,
            stop,
            requests,
            faults,
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Ok(None);
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    buf.extend_from_slice(&body);
    Ok(Some((head, buf)))
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    latency: Duration,
    rule: &Rule,
    requests: &AtomicU64,
    faults: &AtomicU64,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let Some((head, raw)) = read_request(&mut client)? else {
        return Ok(());
    };
    let n = requests.fetch_add(1, Ordering::SeqCst) + 1;
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    match rule(n, &head) {
        Fault::Pass => {
            let mut up = TcpStream::connect(upstream)?;
            up.write_all(&raw)?;
            let mut response = Vec::new();
            up.read_to_end(&mut response)?;
            client.write_all(&response)?;
        }
        fault => {
            faults.fetch_add(1, Ordering::SeqCst);
            let (status, code) = if fault == Fault::Throttle {
                ("429 Too Many Requests", "ThrottlingException")
            } else {
                ("500 Internal Server Error", "InternalFailure")
            };
            let lower = head.to_ascii_lowercase();
            // Each protocol's error shape: JSON (a target header), Query (a form body, as
            // IAM and STS send), and S3's bare `<Error>`.
            // Lambda's REST paths start with its API version (`/2015-03-31/functions/...`).
            let json = lower.contains("x-amz-target")
                || lower.contains("application/x-amz-json")
                || lower
                    .split(' ')
                    .nth(1)
                    .is_some_and(|path| path.starts_with("/20"));
            let query = lower.contains("application/x-www-form-urlencoded");
            let body = if json {
                format!("{{\"__type\":\"{code}\",\"message\":\"injected by the test proxy\"}}")
            } else if query {
                format!("<ErrorResponse><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error></ErrorResponse>")
            } else {
                format!("<Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>")
            };
            let ctype = if json {
                "application/x-amz-json-1.1"
            } else {
                "text/xml"
            };
            write!(client, "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nx-amzn-ErrorType: {code}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
        }
    }
    client.flush()?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// An IAM policy document as IAM returns it (URL-encoded), parsed.
pub fn policy_json(text: &str) -> Value {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).expect("utf-8");
    serde_json::from_str(&decoded).unwrap_or_else(|_| serde_json::from_str(text).expect("json"))
}

/// The stack's state file, parsed.
pub fn state(project: &Path, stack: &str) -> infrac_plan::State {
    let text = std::fs::read_to_string(project.join(format!(".infra/state/{stack}.json")))
        .expect("state exists");
    infrac_plan::State::parse(&text).expect("state loads")
}

pub fn project_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().to_path_buf()
}

/// Writes the state of a stack that has an instance id but no resources yet, as if an earlier
/// deploy had been stopped before its first create: its bucket names are then known in advance,
/// so a test can put something foreign under them.
pub fn seed_instance(project: &Path, name: &str, stack: &str, instance: &str) {
    let mut state = infrac_plan::State::empty(name, stack, "seeded-lineage");
    state.instance = Some(instance.to_string());
    let dir = project.join(".infra/state");
    std::fs::create_dir_all(&dir).expect("state folder");
    std::fs::write(dir.join(format!("{stack}.json")), state.to_json()).expect("state written");
}

// ---- resources someone else made (ownership and import tests) ----

pub fn tags_of(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

pub const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
pub const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::theirs/*"}]}"#;

/// An untagged (or `tags`-tagged) bucket with versioning on, made outside infrac.
pub async fn foreign_bucket(
    sdk: &Sdk,
    name: &str,
    tags: &std::collections::HashMap<String, String>,
) {
    use infrac_aws::sdk::s3::types::{
        BucketVersioningStatus, Tag, Tagging, VersioningConfiguration,
    };
    sdk.s3
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .expect("bucket");
    sdk.s3
        .put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    if !tags.is_empty() {
        let set = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build().expect("tag"))
            .collect();
        sdk.s3
            .put_bucket_tagging()
            .bucket(name)
            .tagging(
                Tagging::builder()
                    .set_tag_set(Some(set))
                    .build()
                    .expect("tagging"),
            )
            .send()
            .await
            .expect("tags");
    }
}

/// A role with an inline policy of its own, made outside infrac; returns its ARN.
pub async fn foreign_role(
    sdk: &Sdk,
    name: &str,
    tags: &std::collections::HashMap<String, String>,
) -> String {
    use infrac_aws::sdk::iam::types::Tag;
    let tags = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().expect("tag"))
        .collect();
    let out = sdk
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST)
        .set_tags(Some(tags))
        .send()
        .await
        .expect("role");
    sdk.iam
        .put_role_policy()
        .role_name(name)
        .policy_name("theirs")
        .policy_document(POLICY)
        .send()
        .await
        .expect("policy");
    out.role().map(|r| r.arn().to_string()).expect("arn")
}

/// The planned physical name of each resource id, from `infrac plan --format json`.
pub fn planned_names(
    endpoint: &str,
    project: &Path,
) -> std::collections::BTreeMap<String, (String, String)> {
    let p = project.to_str().expect("utf-8 path");
    let out = ok(infrac(endpoint, &["plan", p, "--format", "json"], &[]));
    let plan: Value = serde_json::from_str(&out).expect("plan json");
    plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_string(),
                (
                    s["type"].as_str().unwrap_or_default().to_string(),
                    s["name"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect()
}

pub fn name_of(names: &std::collections::BTreeMap<String, (String, String)>, id: &str) -> String {
    names
        .get(id)
        .unwrap_or_else(|| panic!("{id} planned: {names:?}"))
        .1
        .clone()
}
