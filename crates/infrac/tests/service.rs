#![allow(clippy::redundant_closure_for_method_calls, clippy::map_unwrap_or)]
//! A `service` deployed against moto with the real `infrac` binary (`examples/gallery`, and
//! the thumbnailer with a service beside it), read back through the SDK: the load balancer,
//! listener and target group, the ECS service and its scaling; the plan after it is empty, a
//! new `max` is one update, destroy leaves nothing tagged, and a run killed part way is
//! finished by the next one. The preflight refuses what AWS would refuse before anything is
//! made.
//!
//! moto never starts a service's tasks, so a service never becomes stable there: these runs
//! set `INFRAC_SERVICE_WAIT=0` (the wait is unit-tested in `infrac-aws`). moto's default VPC
//! has no internet gateway, and a public service needs one: the tests attach one first.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use support::moto::*;

const NO_WAIT: (&str, &str) = ("INFRAC_SERVICE_WAIT", "0");

/// A project made from `examples/gallery`: its own name, and an `image` instead of `build`
/// (no Docker engine here).
fn gallery(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gallery");
    copy_dir(&example, dir.path());
    edit(
        dir.path(),
        "build  = \"./gallery\"         // folder holding a Dockerfile",
        "image  = \"public.ecr.aws/nginx/nginx:1.27\"",
    );
    std::fs::write(
        dir.path().join("infra.toml"),
        format!("name = \"{name}\"\nregion = \"us-east-1\"\n"),
    )
    .expect("writes");
    dir
}

fn param(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// Attaches an internet gateway to moto's default VPC, once.
async fn internet_gateway(sdk: &Sdk) {
    let config = &sdk.config;
    let subnets = infrac_aws::ec2::default_subnets(config)
        .await
        .expect("subnets");
    let vpc = infrac_aws::ec2::subnets(config, &subnets)
        .await
        .expect("subnets")[0]
        .vpc
        .clone();
    if infrac_aws::ec2::has_internet_gateway(config, &vpc)
        .await
        .expect("gateways")
    {
        return;
    }
    let created = infrac_aws::ec2::call(config, "CreateInternetGateway", &[])
        .await
        .expect("gateway");
    let id = created
        .split("<internetGatewayId>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("gateway id")
        .to_string();
    // Two tests may race to attach one: the loser's attach fails, and one is attached.
    let _ = infrac_aws::ec2::call(
        config,
        "AttachInternetGateway",
        &[param("InternetGatewayId", &id), param("VpcId", &vpc)],
    )
    .await;
}

fn deploy(moto: &Moto, p: &str, extra: &[&str]) -> String {
    let mut args = vec!["deploy", p, "--yes"];
    args.extend_from_slice(extra);
    ok(infrac(&moto.url, &args, &[NO_WAIT]))
}

#[test]
fn gallery_deploys_reads_back_updates_and_destroys() {
    let Some(moto) = moto() else { return };
    let rt = runtime();
    rt.block_on(async { internet_gateway(&sdk(&moto.url).await).await });
    let dir = gallery("gallery-a");
    let p = dir.path().to_str().expect("utf-8 path");

    let out = deploy(moto, p, &[]);
    // 16 resources, less the repository and image an `image` does not need.
    assert!(out.contains("Deployed: 14 created"), "{out}");
    assert!(
        out.contains("gallery_url = http://gallery-a-dev-gallery-lb-"),
        "{out}"
    );

    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        // The load balancer, its listener and its target group.
        let lbs = sdk
            .elbv2
            .describe_load_balancers()
            .names("gallery-a-dev-gallery-lb")
            .send()
            .await
            .expect("load balancer");
        let lb = &lbs.load_balancers()[0];
        assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internet-facing"));
        assert_eq!(lb.r#type().map(|t| t.as_str()), Some("application"));
        assert!(lb.availability_zones().len() >= 2, "{lb:?}");
        let tgs = sdk
            .elbv2
            .describe_target_groups()
            .names("gallery-a-dev-gallery-tg")
            .send()
            .await
            .expect("target group");
        let tg = &tgs.target_groups()[0];
        assert_eq!(tg.health_check_path(), Some("/healthz"));
        assert_eq!(tg.matcher().and_then(|m| m.http_code()), Some("200-399"));
        assert_eq!(tg.target_type().map(|t| t.as_str()), Some("ip"));
        assert_eq!(tg.port(), Some(8080));
        let listeners = sdk
            .elbv2
            .describe_listeners()
            .load_balancer_arn(lb.load_balancer_arn().unwrap_or_default())
            .send()
            .await
            .expect("listeners");
        let listener = &listeners.listeners()[0];
        assert_eq!(listener.port(), Some(80));
        assert_eq!(
            listener.default_actions()[0].target_group_arn(),
            tg.target_group_arn()
        );

        // The service: its count, its binding to the target group, its rollout settings.
        let services = sdk
            .ecs
            .describe_services()
            .cluster("gallery-a-dev")
            .services("gallery-a-dev-gallery")
            .send()
            .await
            .expect("service");
        let service = &services.services()[0];
        assert_eq!(service.status(), Some("ACTIVE"));
        assert_eq!(service.desired_count(), 1);
        assert_eq!(service.launch_type().map(|l| l.as_str()), Some("FARGATE"));
        let binding = &service.load_balancers()[0];
        assert_eq!(binding.target_group_arn(), tg.target_group_arn());
        assert_eq!(
            (binding.container_name(), binding.container_port()),
            (Some("gallery"), Some(8080))
        );
        let network = service
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .expect("awsvpc");
        assert_eq!(network.security_groups().len(), 1);
        // moto (5.2) keeps no deployment configuration (its answer has none), so the
        // circuit breaker and percentages are checked where ECS returns them.
        if let Some(deployment) = service.deployment_configuration() {
            let breaker = deployment.deployment_circuit_breaker().expect("breaker");
            assert!(breaker.enable() && breaker.rollback());
            assert_eq!(
                (
                    deployment.minimum_healthy_percent(),
                    deployment.maximum_percent()
                ),
                (Some(100), Some(200))
            );
        } else {
            eprintln!("moto returns no deploymentConfiguration: the circuit breaker is not read back here");
        }
        // The definition maps the port.
        let td = sdk
            .ecs
            .describe_task_definition()
            .task_definition(service.task_definition().unwrap_or_default())
            .send()
            .await
            .expect("definition");
        let container = &td.task_definition().expect("one").container_definitions()[0];
        assert_eq!(container.port_mappings()[0].container_port(), Some(8080));

        // Scaling.
        let targets = sdk
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(infrac_aws::sdk::autoscaling::types::ServiceNamespace::Ecs)
            .resource_ids("service/gallery-a-dev/gallery-a-dev-gallery")
            .send()
            .await
            .expect("targets");
        let target = &targets.scalable_targets()[0];
        assert_eq!((target.min_capacity(), target.max_capacity()), (1, 4));
        let policies = sdk
            .autoscaling
            .describe_scaling_policies()
            .service_namespace(infrac_aws::sdk::autoscaling::types::ServiceNamespace::Ecs)
            .resource_id("service/gallery-a-dev/gallery-a-dev-gallery")
            .send()
            .await
            .expect("policies");
        let policy = &policies.scaling_policies()[0];
        let config = policy
            .target_tracking_scaling_policy_configuration()
            .expect("target tracking");
        assert!((config.target_value() - 70.0).abs() < f64::EPSILON);

        // The security groups: the load balancer's open to all on 80, the tasks' open on 8080
        // only to the load balancer's.
        let groups = infrac_aws::ec2::all_groups(&sdk.config).await.expect("groups");
        let lb_group = groups
            .iter()
            .find(|g| g.tags.get("infrac:id").map(String::as_str) == Some("gallery/lb-security-group") && g.tags.get("infrac:project").map(String::as_str) == Some("gallery-a"))
            .expect("the load balancer's group");
        assert_eq!(lb_group.ingress, vec![(80, Some("0.0.0.0/0".to_string()), None)]);
        let tasks_group = groups
            .iter()
            .find(|g| g.tags.get("infrac:id").map(String::as_str) == Some("gallery/security-group") && g.tags.get("infrac:project").map(String::as_str) == Some("gallery-a"))
            .expect("the tasks' group");
        assert_eq!(tasks_group.ingress, vec![(8080, None, Some(lb_group.id.clone()))]);
        assert_eq!(network.security_groups(), std::slice::from_ref(&tasks_group.id));
    });

    // Nothing left to do.
    let plan = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));

    // `infrac outputs` prints the URL.
    let outputs = ok(infrac(&moto.url, &["outputs", p], &[]));
    assert!(
        outputs.contains("gallery_url = http://gallery-a-dev-gallery-lb-"),
        "{outputs}"
    );

    // A new `max` is one update of the scaling target.
    edit(dir.path(), "max    = 4", "max    = 6");
    let plan = ok(infrac(&moto.url, &["plan", p], &[]));
    assert!(
        plan.contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete."),
        "{plan}"
    );
    assert!(plan.contains("gallery/scaling-target"), "{plan}");
    let out = deploy(moto, p, &[]);
    assert!(
        out.contains("0 created, 1 updated, 0 replaced, 0 deleted"),
        "{out}"
    );
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let targets = sdk
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(infrac_aws::sdk::autoscaling::types::ServiceNamespace::Ecs)
            .resource_ids("service/gallery-a-dev/gallery-a-dev-gallery")
            .send()
            .await
            .expect("targets");
        assert_eq!(targets.scalable_targets()[0].max_capacity(), 6);
    });

    // Destroy leaves nothing tagged, and no scaling target.
    let out = ok(infrac(&moto.url, &["destroy", p, "--yes"], &[NO_WAIT]));
    assert!(out.contains("14 deleted"), "{out}");
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let left = tagged(&sdk, "gallery-a", "dev").await;
        assert!(left.is_empty(), "{left:?}");
        let targets = sdk
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(infrac_aws::sdk::autoscaling::types::ServiceNamespace::Ecs)
            .resource_ids("service/gallery-a-dev/gallery-a-dev-gallery")
            .send()
            .await
            .expect("targets");
        assert!(targets.scalable_targets().is_empty());
    });
}

#[test]
fn the_thumbnailer_and_a_service_deploy_in_one_run() {
    let Some(moto) = moto() else { return };
    let rt = runtime();
    rt.block_on(async { internet_gateway(&sdk(&moto.url).await).await });
    let dir = thumbnailer("thumbs-svc");
    std::fs::write(
        dir.path().join("gallery.infra"),
        "/// The gallery of thumbnails.\nservice gallery {\n  image  = \"public.ecr.aws/nginx/nginx:1.27\"\n  port   = 8080\n  health = \"/healthz\"\n  env    = { MEDIA_BUCKET = media.name }\n  reads media\n}\n\noutput gallery_url = gallery.url\n",
    )
    .expect("writes");
    let p = dir.path().to_str().expect("utf-8 path");
    let out = deploy(moto, p, &[]);
    // The thumbnailer's 15, and the service's own 10: log group, two roles, definition, two
    // security groups, load balancer, target group, listener and service (the cluster is the
    // thumbnailer's, and without `min`/`max` there is no scaling).
    assert!(out.contains("Deployed: 25 created"), "{out}");
    assert!(
        out.contains("gallery_url = http://thumbs-svc-dev-gallery-lb-"),
        "{out}"
    );
    let plan = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[NO_WAIT]));
    rt.block_on(async {
        let left = tagged(&sdk(&moto.url).await, "thumbs-svc", "dev").await;
        assert!(left.is_empty(), "{left:?}");
    });
}

#[test]
fn killed_during_a_service_deploy_then_deployed_again_converges() {
    let Some(moto) = moto() else { return };
    let rt = runtime();
    rt.block_on(async { internet_gateway(&sdk(&moto.url).await).await });
    let dir = gallery("gallery-k");
    let p = dir.path().to_str().expect("utf-8 path");
    let log = dir.path().join("calls.log");
    let logged = log.to_str().expect("utf-8").to_string();
    ok(infrac(
        &moto.url,
        &["deploy", p, "--yes", "--stack", "count"],
        &[NO_WAIT, ("INFRAC_TEST_CALL_LOG", &logged)],
    ));
    let calls: Vec<String> = std::fs::read_to_string(&log)
        .expect("log")
        .lines()
        .map(str::to_string)
        .collect();
    ok(infrac(
        &moto.url,
        &["destroy", p, "--yes", "--stack", "count"],
        &[NO_WAIT],
    ));
    // The points to kill at: just before and after the service's own calls, and a spread of
    // the rest. (EC2 goes through infrac's own client, which the hook does not count.)
    let total = calls.len();
    let create_service = calls
        .iter()
        .position(|c| c.contains("CreateService"))
        .expect("the deploy creates the service");
    let mut points: BTreeSet<usize> = (1..total).step_by((total / 6).max(1)).collect();
    points.extend([create_service, create_service + 1, create_service + 2]);
    for (i, &kill_after) in points.iter().enumerate() {
        let stack = format!("k{i}");
        let killed = infrac(
            &moto.url,
            &["deploy", p, "--yes", "--stack", &stack],
            &[
                NO_WAIT,
                ("INFRAC_TEST_KILL_AFTER_CALLS", &kill_after.to_string()),
            ],
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
            &[NO_WAIT],
        ));
        assert!(again.contains("Deployed:"), "{again}");
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
            let found = tagged(&sdk(&moto.url).await, "gallery-k", &stack).await;
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
        ok(infrac(
            &moto.url,
            &["destroy", p, "--yes", "--stack", &stack],
            &[NO_WAIT],
        ));
        rt.block_on(async {
            let left = tagged(&sdk(&moto.url).await, "gallery-k", &stack).await;
            assert!(left.is_empty(), "killed after {kill_after}: left {left:?}");
        });
    }
    eprintln!(
        "killed at {} points of {total} calls: {points:?}",
        points.len()
    );
}

#[test]
fn a_load_balancer_in_one_zone_is_refused_before_anything_is_made() {
    let Some(moto) = moto() else { return };
    let rt = runtime();
    let subnets = rt.block_on(async {
        infrac_aws::ec2::default_subnets(&sdk(&moto.url).await.config)
            .await
            .expect("subnets")
    });
    let dir = gallery("gallery-z");
    std::fs::write(
        dir.path().join("infra.toml"),
        format!(
            "name = \"gallery-z\"\nregion = \"us-east-1\"\n\n[network]\nsubnets = [\"{}\"]\n",
            subnets[0]
        ),
    )
    .expect("writes");
    let p = dir.path().to_str().expect("utf-8 path");
    let out = infrac(&moto.url, &["deploy", p, "--yes"], &[NO_WAIT]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("service gallery: a load balancer needs subnets in at least two availability zones, and they are all in us-east-1"),
        "{said}"
    );
    assert!(said.contains("[network] subnets"), "{said}");
    rt.block_on(async {
        let left = tagged(&sdk(&moto.url).await, "gallery-z", "dev").await;
        assert!(left.is_empty(), "{left:?}");
    });
}

#[test]
fn a_public_service_in_a_vpc_without_an_internet_gateway_is_refused() {
    let Some(moto) = moto() else { return };
    let rt = runtime();
    // A VPC of its own, with two subnets in two zones and no gateway.
    let (vpc, subnets) = rt.block_on(async {
        let config = sdk(&moto.url).await.config;
        let call = |action: &'static str, params: Vec<(String, String)>| {
            let config = config.clone();
            async move {
                infrac_aws::ec2::call(&config, action, &params)
                    .await
                    .expect(action)
            }
        };
        let first = |xml: &str, tag: &str| {
            xml.split(&format!("<{tag}>"))
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .expect("id")
                .to_string()
        };
        let vpc = first(
            &call("CreateVpc", vec![param("CidrBlock", "10.42.0.0/16")]).await,
            "vpcId",
        );
        let mut subnets = Vec::new();
        for (cidr, zone) in [
            ("10.42.1.0/24", "us-east-1a"),
            ("10.42.2.0/24", "us-east-1b"),
        ] {
            let made = call(
                "CreateSubnet",
                vec![
                    param("VpcId", &vpc),
                    param("CidrBlock", cidr),
                    param("AvailabilityZone", zone),
                ],
            )
            .await;
            subnets.push(first(&made, "subnetId"));
        }
        (vpc, subnets)
    });
    let dir = gallery("gallery-g");
    std::fs::write(
        dir.path().join("infra.toml"),
        format!(
            "name = \"gallery-g\"\nregion = \"us-east-1\"\n\n[network]\nsubnets = [\"{}\", \"{}\"]\n",
            subnets[0], subnets[1]
        ),
    )
    .expect("writes");
    let p = dir.path().to_str().expect("utf-8 path");
    let out = infrac(&moto.url, &["deploy", p, "--yes"], &[NO_WAIT]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains(&format!(
            "service gallery is public, and VPC {vpc} has no internet gateway"
        )),
        "{said}"
    );
    assert!(said.contains("public = false"), "{said}");
    // `public = false` needs none.
    edit(
        dir.path(),
        "  reads media",
        "  public = false\n  reads media",
    );
    let out = infrac(&moto.url, &["deploy", p, "--yes"], &[NO_WAIT]);
    assert!(out.status.success(), "{}", text(&out));
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let lbs = sdk
            .elbv2
            .describe_load_balancers()
            .names("gallery-g-dev-gallery-lb")
            .send()
            .await
            .expect("load balancer");
        assert_eq!(
            lbs.load_balancers()[0].scheme().map(|s| s.as_str()),
            Some("internal")
        );
        // The internal load balancer's group is open to the VPC's range only.
        let groups = infrac_aws::ec2::all_groups(&sdk.config)
            .await
            .expect("groups");
        let lb_group = groups
            .iter()
            .find(|g| {
                g.vpc == vpc
                    && g.tags.get("infrac:id").map(String::as_str)
                        == Some("gallery/lb-security-group")
            })
            .expect("the load balancer's group");
        assert_eq!(
            lb_group.ingress,
            vec![(80, Some("10.42.0.0/16".to_string()), None)]
        );
    });
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[NO_WAIT]));
}
