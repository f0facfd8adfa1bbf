//! Elastic Load Balancing: a service's Application Load Balancer
//! (`aws:elbv2:LoadBalancer`), its target group (`aws:elbv2:TargetGroup`) and its HTTP
//! listener (`aws:elbv2:Listener`). Load balancers and target groups are found by name;
//! a listener has no name and is found by the ARN in state.

use crate::ec2;
use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{
    already_exists, ignore_not_found, known, observed, read_or_none, tag_changes, AwsResource,
    Typed,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, Matcher, ProtocolEnum,
    Tag, TargetTypeEnum,
};
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{
    HealthCheck, Input, ListenerProps, LoadBalancerProps, Tags, TargetGroupProps,
};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// `aws:elbv2:LoadBalancer`.
pub struct LoadBalancer;

/// `aws:elbv2:TargetGroup`.
pub struct TargetGroup;

/// `aws:elbv2:Listener`.
pub struct Listener;

fn elb_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn subnet_list<'p>(
    subnets: &'p Input<Vec<String>>,
    operation: &str,
) -> Result<&'p [String], ProviderError> {
    match subnets {
        Input::Known(ids) if !ids.is_empty() => Ok(ids),
        _ => Err(invalid(operation, "`subnets` is not known yet")),
    }
}

fn protocol(text: &str) -> ProtocolEnum {
    ProtocolEnum::from(text)
}

/// The tags of these ARNs, by ARN.
pub async fn tags_of(aws: &AwsProvider, arn: &str) -> Result<Option<Tags>, ProviderError> {
    let out = aws
        .clients
        .elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| translate("elasticloadbalancing:DescribeTags", e));
    let Some(out) = read_or_none(out)? else {
        return Ok(None);
    };
    Ok(out.tag_descriptions().first().map(|d| {
        d.tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }))
}

/// Makes the tags of `arn` exactly `desired`.
async fn retag(aws: &AwsProvider, arn: &str, desired: &Tags) -> Result<(), ProviderError> {
    let current = tags_of(aws, arn).await?.unwrap_or_default();
    let (stale, differs) = tag_changes(
        desired,
        current.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    if !stale.is_empty() {
        aws.clients
            .elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(stale))
            .send()
            .await
            .map_err(|e| translate("elasticloadbalancing:RemoveTags", e))?;
    }
    if differs {
        aws.clients
            .elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(elb_tags(desired)))
            .send()
            .await
            .map_err(|e| translate("elasticloadbalancing:AddTags", e))?;
    }
    Ok(())
}

// ---- load balancer ---------------------------------------------------------------------------

/// The load balancer of this name, as ELB describes it.
pub async fn load_balancer_named(
    aws: &AwsProvider,
    name: &str,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::LoadBalancer>, ProviderError> {
    let out = aws
        .clients
        .elbv2
        .describe_load_balancers()
        .names(name)
        .send()
        .await
        .map_err(|e| translate("elasticloadbalancing:DescribeLoadBalancers", e));
    Ok(read_or_none(out)?.and_then(|o| o.load_balancers().first().cloned()))
}

fn lb_outputs(lb: &aws_sdk_elasticloadbalancingv2::types::LoadBalancer) -> Value {
    let dns = lb.dns_name().unwrap_or_default();
    json!({
        "arn": lb.load_balancer_arn().unwrap_or_default(),
        "dns_name": dns,
        "url": format!("http://{dns}"),
    })
}

fn group_ids(
    groups: &[infrac_plan::props::Text],
    operation: &str,
) -> Result<Vec<String>, ProviderError> {
    groups
        .iter()
        .map(|g| known(g, operation, "security_groups").map(str::to_string))
        .collect()
}

impl AwsResource for LoadBalancer {
    type Props = LoadBalancerProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, LoadBalancerProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let Some(lb) = load_balancer_named(aws, r.name).await? else {
            return Ok(None);
        };
        let mut subnets: Vec<String> = lb
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id().map(str::to_string))
            .collect();
        subnets.sort();
        let mut props = Map::new();
        props.insert(
            "scheme".into(),
            json!(lb.scheme().map(|s| s.as_str()).unwrap_or_default()),
        );
        props.insert("subnets".into(), json!(subnets));
        props.insert("security_groups".into(), json!(lb.security_groups()));
        Ok(Some(observed(lb_outputs(&lb), props)))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, LoadBalancerProps>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "elasticloadbalancing:CreateLoadBalancer";
        if load_balancer_named(aws, r.name).await?.is_some() {
            return Err(already_exists(OP, "load balancer", r.name));
        }
        let out = aws
            .clients
            .elbv2
            .create_load_balancer()
            .name(r.name)
            .r#type(LoadBalancerTypeEnum::from(r.props.kind.as_str()))
            .scheme(LoadBalancerSchemeEnum::from(r.props.scheme.as_str()))
            .set_subnets(Some(subnet_list(&r.props.subnets, OP)?.to_vec()))
            .set_security_groups(Some(group_ids(&r.props.security_groups, OP)?))
            .set_tags(Some(elb_tags(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        let lb = out
            .load_balancers()
            .first()
            .ok_or_else(|| invalid(OP, "no load balancer in the answer"))?;
        Ok(lb_outputs(lb))
    }

    /// Subnets and groups change in place; name, type and scheme replace (the descriptor).
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, LoadBalancerProps>,
        _old: Option<&Typed<'_, LoadBalancerProps>>,
    ) -> Result<Value, ProviderError> {
        let Some(lb) = load_balancer_named(aws, r.name).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "elasticloadbalancing:DescribeLoadBalancers",
                format!("load balancer {} does not exist", r.name),
            ));
        };
        let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        aws.clients
            .elbv2
            .set_subnets()
            .load_balancer_arn(&arn)
            .set_subnets(Some(
                subnet_list(&r.props.subnets, "elasticloadbalancing:SetSubnets")?.to_vec(),
            ))
            .send()
            .await
            .map_err(|e| translate("elasticloadbalancing:SetSubnets", e))?;
        aws.clients
            .elbv2
            .set_security_groups()
            .load_balancer_arn(&arn)
            .set_security_groups(Some(group_ids(
                &r.props.security_groups,
                "elasticloadbalancing:SetSecurityGroups",
            )?))
            .send()
            .await
            .map_err(|e| translate("elasticloadbalancing:SetSecurityGroups", e))?;
        retag(aws, &arn, &r.props.tags).await?;
        Ok(lb_outputs(&lb))
    }

    /// Deleting a load balancer deletes its listeners too.
    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, LoadBalancerProps>,
    ) -> Result<(), ProviderError> {
        let Some(lb) = load_balancer_named(aws, r.name).await? else {
            return Ok(());
        };
        aws.clients
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(lb.load_balancer_arn().unwrap_or_default())
            .send()
            .await
            .map(|_| ())
            .or_else(|e| ignore_not_found(translate("elasticloadbalancing:DeleteLoadBalancer", e)))
    }
}

// ---- target group ----------------------------------------------------------------------------

pub async fn target_group_named(
    aws: &AwsProvider,
    name: &str,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::TargetGroup>, ProviderError> {
    let out = aws
        .clients
        .elbv2
        .describe_target_groups()
        .names(name)
        .send()
        .await
        .map_err(|e| translate("elasticloadbalancing:DescribeTargetGroups", e));
    Ok(read_or_none(out)?.and_then(|o| o.target_groups().first().cloned()))
}

fn tg_outputs(tg: &aws_sdk_elasticloadbalancingv2::types::TargetGroup) -> Value {
    json!({ "arn": tg.target_group_arn().unwrap_or_default() })
}

impl AwsResource for TargetGroup {
    type Props = TargetGroupProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, TargetGroupProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let Some(tg) = target_group_named(aws, r.name).await? else {
            return Ok(None);
        };
        let health = HealthCheck {
            protocol: tg
                .health_check_protocol()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            path: tg.health_check_path().unwrap_or_default().to_string(),
            matcher: tg
                .matcher()
                .and_then(|m| m.http_code())
                .unwrap_or_default()
                .to_string(),
        };
        let mut props = Map::new();
        props.insert(
            "health_check".into(),
            serde_json::to_value(health).unwrap_or(Value::Null),
        );
        Ok(Some(observed(tg_outputs(&tg), props)))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, TargetGroupProps>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "elasticloadbalancing:CreateTargetGroup";
        if target_group_named(aws, r.name).await?.is_some() {
            return Err(already_exists(OP, "target group", r.name));
        }
        let subnets = subnet_list(&r.props.subnets, OP)?;
        let vpc = ec2::subnets(&aws.clients.config, subnets)
            .await?
            .first()
            .map(|s| s.vpc.clone())
            .ok_or_else(|| invalid(OP, format!("no subnet of {} exists", r.id)))?;
        let hc = &r.props.health_check;
        let out = aws
            .clients
            .elbv2
            .create_target_group()
            .name(r.name)
            .protocol(protocol(&r.props.protocol))
            .port(i32::from(r.props.port))
            .vpc_id(vpc)
            .target_type(TargetTypeEnum::from(r.props.target_type.as_str()))
            .health_check_protocol(protocol(&hc.protocol))
            .health_check_path(&hc.path)
            .matcher(Matcher::builder().http_code(&hc.matcher).build())
            .set_tags(Some(elb_tags(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        let tg = out
            .target_groups()
            .first()
            .ok_or_else(|| invalid(OP, "no target group in the answer"))?;
        Ok(tg_outputs(tg))
    }

    /// The health check changes in place. The port is a default only (ECS registers each
    /// task with its container port), so a new one is recorded and not sent.
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, TargetGroupProps>,
        _old: Option<&Typed<'_, TargetGroupProps>>,
    ) -> Result<Value, ProviderError> {
        let Some(tg) = target_group_named(aws, r.name).await? else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "elasticloadbalancing:DescribeTargetGroups",
                format!("target group {} does not exist", r.name),
            ));
        };
        let arn = tg.target_group_arn().unwrap_or_default().to_string();
        let hc = &r.props.health_check;
        aws.clients
            .elbv2
            .modify_target_group()
            .target_group_arn(&arn)
            .health_check_protocol(protocol(&hc.protocol))
            .health_check_path(&hc.path)
            .matcher(Matcher::builder().http_code(&hc.matcher).build())
            .send()
            .await
            .map_err(|e| translate("elasticloadbalancing:ModifyTargetGroup", e))?;
        retag(aws, &arn, &r.props.tags).await?;
        Ok(tg_outputs(&tg))
    }

    /// ELB refuses to delete a target group while a listener or a draining service still uses
    /// it; the listener and the service go first (they depend on it), and the short wait
    /// after is retried.
    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, TargetGroupProps>,
    ) -> Result<(), ProviderError> {
        let Some(tg) = target_group_named(aws, r.name).await? else {
            return Ok(());
        };
        let arn = tg.target_group_arn().unwrap_or_default().to_string();
        crate::resource::retry_while(
            Duration::from_mins(5),
            |e| e.code.as_deref() == Some("ResourceInUse"),
            || async {
                aws.clients
                    .elbv2
                    .delete_target_group()
                    .target_group_arn(&arn)
                    .send()
                    .await
                    .map(|_| ())
                    .or_else(|e| {
                        ignore_not_found(translate("elasticloadbalancing:DeleteTargetGroup", e))
                    })
            },
        )
        .await
    }
}

// ---- listener --------------------------------------------------------------------------------

async fn listener_at(
    aws: &AwsProvider,
    arn: Option<&str>,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::Listener>, ProviderError> {
    let Some(arn) = arn else { return Ok(None) };
    let out = aws
        .clients
        .elbv2
        .describe_listeners()
        .listener_arns(arn)
        .send()
        .await
        .map_err(|e| translate("elasticloadbalancing:DescribeListeners", e));
    Ok(read_or_none(out)?.and_then(|o| o.listeners().first().cloned()))
}

/// The listener of a load balancer on a port (what a crashed create may have left without an
/// ARN in state).
async fn listener_on(
    aws: &AwsProvider,
    lb_arn: &str,
    port: u16,
) -> Result<Option<aws_sdk_elasticloadbalancingv2::types::Listener>, ProviderError> {
    let out = aws
        .clients
        .elbv2
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .map_err(|e| translate("elasticloadbalancing:DescribeListeners", e));
    Ok(read_or_none(out)?.and_then(|o| {
        o.listeners()
            .iter()
            .find(|l| l.port() == Some(i32::from(port)))
            .cloned()
    }))
}

fn forward(target_group_arn: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(target_group_arn)
        .build()
}

impl AwsResource for Listener {
    type Props = ListenerProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, ListenerProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let found = match listener_at(aws, r.arn).await? {
            Some(l) => Some(l),
            None => match r.props.load_balancer_arn.known() {
                Some(lb) => read_or_none(listener_on(aws, lb, r.props.port).await)?.flatten(),
                None => None,
            },
        };
        let Some(listener) = found else {
            return Ok(None);
        };
        let mut props = Map::new();
        props.insert("port".into(), json!(listener.port().unwrap_or_default()));
        props.insert(
            "protocol".into(),
            json!(listener.protocol().map(|p| p.as_str()).unwrap_or_default()),
        );
        Ok(Some(observed(
            json!({ "arn": listener.listener_arn().unwrap_or_default() }),
            props,
        )))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, ListenerProps>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "elasticloadbalancing:CreateListener";
        let lb = known(&r.props.load_balancer_arn, OP, "load_balancer_arn")?;
        if listener_on(aws, lb, r.props.port).await?.is_some() {
            return Err(already_exists(
                OP,
                "listener on port",
                &r.props.port.to_string(),
            ));
        }
        let tg = known(&r.props.target_group_arn, OP, "target_group_arn")?;
        let out = aws
            .clients
            .elbv2
            .create_listener()
            .load_balancer_arn(lb)
            .protocol(protocol(&r.props.protocol))
            .port(i32::from(r.props.port))
            .default_actions(forward(tg))
            .set_tags(Some(elb_tags(&r.props.tags)))
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        let arn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| invalid(OP, "no listener in the answer"))?;
        Ok(json!({ "arn": arn }))
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, ListenerProps>,
        _old: Option<&Typed<'_, ListenerProps>>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "elasticloadbalancing:ModifyListener";
        let lb = known(&r.props.load_balancer_arn, OP, "load_balancer_arn")?;
        let found = match listener_at(aws, r.arn).await? {
            Some(l) => Some(l),
            None => listener_on(aws, lb, r.props.port).await?,
        };
        let Some(listener) = found else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "elasticloadbalancing:DescribeListeners",
                format!("the listener {} does not exist", r.id),
            ));
        };
        let arn = listener.listener_arn().unwrap_or_default().to_string();
        let tg = known(&r.props.target_group_arn, OP, "target_group_arn")?;
        aws.clients
            .elbv2
            .modify_listener()
            .listener_arn(&arn)
            .protocol(protocol(&r.props.protocol))
            .port(i32::from(r.props.port))
            .default_actions(forward(tg))
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        retag(aws, &arn, &r.props.tags).await?;
        Ok(json!({ "arn": arn }))
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, ListenerProps>) -> Result<(), ProviderError> {
        let found = match listener_at(aws, r.arn).await? {
            Some(l) => Some(l),
            None => match r.props.load_balancer_arn.known() {
                Some(lb) => read_or_none(listener_on(aws, lb, r.props.port).await)?.flatten(),
                None => None,
            },
        };
        let Some(listener) = found else { return Ok(()) };
        aws.clients
            .elbv2
            .delete_listener()
            .listener_arn(listener.listener_arn().unwrap_or_default())
            .send()
            .await
            .map(|_| ())
            .or_else(|e| ignore_not_found(translate("elasticloadbalancing:DeleteListener", e)))
    }
}

// ---- preflight -------------------------------------------------------------------------------

/// What AWS would refuse, or make useless, about a load balancer's network, found before any
/// change: subnets in fewer than two availability zones (ELB refuses the create), and an
/// internet-facing load balancer in a VPC without an internet gateway (it would be made, and
/// never reached).
pub async fn check_network(
    aws: &AwsProvider,
    id: &str,
    subnet_ids: &[String],
    internet_facing: bool,
) -> Result<(), ProviderError> {
    const OP: &str = "preflight";
    let config = &aws.clients.config;
    let found = ec2::subnets(config, subnet_ids).await?;
    let mut zones: Vec<&str> = found.iter().map(|s| s.zone.as_str()).collect();
    zones.sort_unstable();
    zones.dedup();
    let service = id.split('/').next().unwrap_or(id);
    if zones.len() < 2 {
        let where_ = match zones.as_slice() {
            [] => "none of them exists".to_string(),
            [one] => format!("they are all in {one}"),
            _ => String::new(),
        };
        return Err(invalid(
            OP,
            format!(
                "service {service}: a load balancer needs subnets in at least two availability zones, and {where_}"
            ),
        )
        .with_code("NotEnoughZones")
        .with_hint("list subnets of two or more zones in `[network] subnets` in infra.toml (or leave it out to use the default VPC's)"));
    }
    if internet_facing {
        let vpc = found.first().map(|s| s.vpc.clone()).unwrap_or_default();
        if !ec2::has_internet_gateway(config, &vpc).await? {
            return Err(invalid(
                OP,
                format!(
                    "service {service} is public, and VPC {vpc} has no internet gateway: nobody could reach its load balancer"
                ),
            )
            .with_code("NoInternetGateway")
            .with_hint("attach an internet gateway to the VPC, or set `public = false` for a load balancer reached only from inside the VPC"));
        }
    }
    Ok(())
}
