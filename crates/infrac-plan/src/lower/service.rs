//! Lowering of a `service`: the task's own resources (made by [`Lowering::task`], so a service
//! gets every task rule for free), then the two security groups, the load balancer, its
//! target group and listener, the ECS service, and with `min`/`max` the scaling target and
//! policy. `docs/plan.md` lists them.

use super::{output_text, Lowering, CLUSTER_ID};
use crate::graph::Node;
use crate::props::{
    Deployment, HealthCheck, IngressRule, IngressSource, ListenerProps, LoadBalancerProps,
    ScalableTargetProps, ScalingPolicyProps, SecurityGroupProps, ServiceLoadBalancer,
    ServiceNetwork, ServiceProps, TargetGroupProps, Text,
};
use infrac_check::model::{ResourceModel, Value};

/// The port the load balancer listens on. HTTPS is not part of the language yet.
const LISTENER_PORT: u16 = 80;

fn int(r: &ResourceModel, name: &str) -> Option<i64> {
    r.get(name).and_then(|v| v.as_int())
}

/// The container port of a service: `port`, 80 unless set.
pub(super) fn container_port(r: &ResourceModel) -> u16 {
    int(r, "port")
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0)
        .unwrap_or(80)
}

/// `(min, max)` when the service scales.
fn scaling(r: &ResourceModel) -> Option<(i64, i64)> {
    Some((int(r, "min")?, int(r, "max")?))
}

impl Lowering<'_> {
    pub(super) fn service(&mut self, r: &ResourceModel) {
        self.task(r);
        let origin = self.resource_origin(r);
        let s = r.name.as_str();
        let lb_sg_id = format!("{s}/lb-security-group");
        let sg_id = format!("{s}/security-group");
        let lb_id = format!("{s}/load-balancer");
        let tg_id = format!("{s}/target-group");
        let listener_id = format!("{s}/listener");
        let scaling_target_id = format!("{s}/scaling-target");
        let policy_id = format!("{s}/scaling-policy");
        let public = !matches!(r.get("public"), Some(Value::Bool(false)));
        let port = container_port(r);

        let lb_sg_name = self.namer.security_group(s, "lb");
        let props = SecurityGroupProps {
            name: lb_sg_name.clone(),
            // EC2 cannot change a description: it names the group's role, never its rules.
            description: format!("infrac: the load balancer of service {s}"),
            subnets: self.subnets(),
            ingress: vec![IngressRule {
                port: LISTENER_PORT,
                from: if public {
                    IngressSource::Cidr("0.0.0.0/0".into())
                } else {
                    IngressSource::VpcCidr
                },
            }],
            tags: self.tags(&lb_sg_id),
        };
        self.add(Node::typed(&lb_sg_id, lb_sg_name, &props, &[], &origin));

        let sg_name = self.namer.security_group(s, "tasks");
        let props = SecurityGroupProps {
            name: sg_name.clone(),
            description: format!("infrac: the tasks of service {s}"),
            subnets: self.subnets(),
            ingress: vec![IngressRule {
                port,
                from: IngressSource::SecurityGroup(output_text(&lb_sg_id, "id")),
            }],
            tags: self.tags(&sg_id),
        };
        self.add(Node::typed(&sg_id, sg_name, &props, &[], &origin));

        let lb_name = self.namer.elb(s, "lb");
        let props = LoadBalancerProps {
            name: lb_name.clone(),
            kind: "application".into(),
            scheme: if public {
                "internet-facing"
            } else {
                "internal"
            }
            .into(),
            subnets: self.subnets(),
            security_groups: vec![output_text(&lb_sg_id, "id")],
            tags: self.tags(&lb_id),
        };
        self.add(Node::typed(&lb_id, lb_name, &props, &[], &origin));

        let tg_name = self.namer.elb(s, "tg");
        let health = r
            .get("health")
            .and_then(|v| v.as_literal_str())
            .unwrap_or_else(|| "/".into());
        let props = TargetGroupProps {
            name: tg_name.clone(),
            protocol: "HTTP".into(),
            port,
            target_type: "ip".into(),
            subnets: self.subnets(),
            health_check: HealthCheck {
                protocol: "HTTP".into(),
                path: health,
                matcher: "200-399".into(),
            },
            tags: self.tags(&tg_id),
        };
        self.add(Node::typed(&tg_id, tg_name, &props, &[], &origin));

        let props = ListenerProps {
            load_balancer_arn: output_text(&lb_id, "arn"),
            protocol: "HTTP".into(),
            port: LISTENER_PORT,
            target_group_arn: output_text(&tg_id, "arn"),
            tags: self.tags(&listener_id),
        };
        self.add(Node::typed(
            &listener_id,
            format!("{s} HTTP :{LISTENER_PORT}"),
            &props,
            &[],
            &origin,
        ));

        let name = self.namer.ecs_service(s);
        let scaled = scaling(r);
        let desired_count = match scaled {
            Some((min, _)) => min,
            None => int(r, "count").unwrap_or(1),
        };
        let props = ServiceProps {
            name: name.clone(),
            cluster: output_text(CLUSTER_ID, "arn"),
            task_definition: output_text(&format!("{s}/definition"), "arn"),
            launch_type: "FARGATE".into(),
            desired_count,
            scaled: scaled.is_some(),
            network: ServiceNetwork {
                subnets: self.subnets(),
                security_groups: vec![output_text(&sg_id, "id")],
                // As for a task started by a trigger: in a public subnet (the default VPC's) a
                // task needs a public address to pull its image; in a private one the setting
                // does nothing.
                assign_public_ip: "ENABLED".into(),
            },
            load_balancer: ServiceLoadBalancer {
                target_group_arn: output_text(&tg_id, "arn"),
                container_name: s.to_string(),
                container_port: port,
            },
            deployment: Deployment {
                minimum_healthy_percent: 100,
                maximum_percent: 200,
                circuit_breaker: true,
                rollback: true,
            },
            tags: self.tags(s),
        };
        self.add(Node::typed(
            s,
            name.clone(),
            &props,
            // ECS refuses a target group that no listener forwards to.
            &[listener_id.as_str()],
            &origin,
        ));

        let Some((min, max)) = scaled else { return };
        let resource_id = Text::from(format!("service/{}/{name}", self.namer.ecs_cluster()));
        let props = ScalableTargetProps {
            service_namespace: "ecs".into(),
            resource_id: resource_id.clone(),
            scalable_dimension: "ecs:service:DesiredCount".into(),
            min_capacity: min,
            max_capacity: max,
        };
        self.add(Node::typed(
            &scaling_target_id,
            format!("{name} {min}..{max}"),
            &props,
            &[s],
            &origin,
        ));
        let policy_name = self.namer.scaling_policy(s);
        let props = ScalingPolicyProps {
            name: policy_name.clone(),
            service_namespace: "ecs".into(),
            resource_id,
            scalable_dimension: "ecs:service:DesiredCount".into(),
            policy_type: "TargetTrackingScaling".into(),
            predefined_metric: "ECSServiceAverageCPUUtilization".into(),
            target_value: int(r, "target_cpu").unwrap_or(70),
        };
        self.add(Node::typed(
            &policy_id,
            policy_name,
            &props,
            &[scaling_target_id.as_str()],
            &origin,
        ));
    }
}
