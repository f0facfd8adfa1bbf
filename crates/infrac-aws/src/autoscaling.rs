//! Application Auto Scaling: the range of a service's desired count
//! (`aws:applicationautoscaling:ScalableTarget`) and its CPU target-tracking policy
//! (`aws:applicationautoscaling:ScalingPolicy`). Both are found by their service namespace,
//! resource id and dimension; registering or putting again updates them in place. Neither
//! takes tags here: their owner is the ECS service they scale (`crate::owner`).

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{ignore_not_found, known, observed, AwsResource, Typed};
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use infrac_deploy::{Observed, ProviderError};
use infrac_plan::props::{ScalableTargetProps, ScalingPolicyProps};
use serde_json::{json, Map, Value};

/// `aws:applicationautoscaling:ScalableTarget`.
pub struct ScalableTarget;

/// `aws:applicationautoscaling:ScalingPolicy`.
pub struct ScalingPolicy;

async fn target(
    aws: &AwsProvider,
    p: &ScalableTargetProps,
) -> Result<Option<aws_sdk_applicationautoscaling::types::ScalableTarget>, ProviderError> {
    let resource_id = known(
        &p.resource_id,
        "application-autoscaling:DescribeScalableTargets",
        "resource_id",
    )?;
    let out = aws
        .clients
        .autoscaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::from(p.service_namespace.as_str()))
        .resource_ids(resource_id)
        .scalable_dimension(ScalableDimension::from(p.scalable_dimension.as_str()))
        .send()
        .await
        .map_err(|e| translate("application-autoscaling:DescribeScalableTargets", e))?;
    Ok(out.scalable_targets().first().cloned())
}

async fn register(aws: &AwsProvider, p: &ScalableTargetProps) -> Result<Value, ProviderError> {
    const OP: &str = "application-autoscaling:RegisterScalableTarget";
    let resource_id = known(&p.resource_id, OP, "resource_id")?;
    let min =
        i32::try_from(p.min_capacity).map_err(|_| invalid(OP, "`min_capacity` is too large"))?;
    let max =
        i32::try_from(p.max_capacity).map_err(|_| invalid(OP, "`max_capacity` is too large"))?;
    let out = aws
        .clients
        .autoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::from(p.service_namespace.as_str()))
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::from(p.scalable_dimension.as_str()))
        .min_capacity(min)
        .max_capacity(max)
        .send()
        .await
        .map_err(|e| translate(OP, e))?;
    Ok(json!({ "arn": out.scalable_target_arn().unwrap_or_default() }))
}

impl AwsResource for ScalableTarget {
    type Props = ScalableTargetProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, ScalableTargetProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let Some(t) = target(aws, &r.props).await? else {
            return Ok(None);
        };
        let mut props = Map::new();
        props.insert("min_capacity".into(), json!(t.min_capacity()));
        props.insert("max_capacity".into(), json!(t.max_capacity()));
        Ok(Some(observed(
            json!({ "arn": t.scalable_target_arn().unwrap_or_default() }),
            props,
        )))
    }

    /// Registering is idempotent: a target a crashed run registered is registered again with
    /// this range, which is what the program says.
    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, ScalableTargetProps>,
    ) -> Result<Value, ProviderError> {
        register(aws, &r.props).await
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, ScalableTargetProps>,
        _old: Option<&Typed<'_, ScalableTargetProps>>,
    ) -> Result<Value, ProviderError> {
        register(aws, &r.props).await
    }

    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, ScalableTargetProps>,
    ) -> Result<(), ProviderError> {
        const OP: &str = "application-autoscaling:DeregisterScalableTarget";
        // What is gone is not refused the same way by AWS (ObjectNotFoundException) and by
        // moto (ValidationException): asked first.
        if target(aws, &r.props).await?.is_none() {
            return Ok(());
        }
        let resource_id = known(&r.props.resource_id, OP, "resource_id")?;
        aws.clients
            .autoscaling
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::from(r.props.service_namespace.as_str()))
            .resource_id(resource_id)
            .scalable_dimension(ScalableDimension::from(r.props.scalable_dimension.as_str()))
            .send()
            .await
            .map(|_| ())
            .or_else(|e| ignore_not_found(translate(OP, e)))
    }
}

async fn policy(
    aws: &AwsProvider,
    p: &ScalingPolicyProps,
) -> Result<Option<aws_sdk_applicationautoscaling::types::ScalingPolicy>, ProviderError> {
    const OP: &str = "application-autoscaling:DescribeScalingPolicies";
    let resource_id = known(&p.resource_id, OP, "resource_id")?;
    let out = aws
        .clients
        .autoscaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::from(p.service_namespace.as_str()))
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::from(p.scalable_dimension.as_str()))
        .policy_names(&p.name)
        .send()
        .await
        .map_err(|e| translate(OP, e))?;
    Ok(out.scaling_policies().first().cloned())
}

async fn put(aws: &AwsProvider, p: &ScalingPolicyProps) -> Result<Value, ProviderError> {
    const OP: &str = "application-autoscaling:PutScalingPolicy";
    let resource_id = known(&p.resource_id, OP, "resource_id")?;
    let metric = PredefinedMetricSpecification::builder()
        .predefined_metric_type(MetricType::from(p.predefined_metric.as_str()))
        .build()
        .map_err(|e| invalid(OP, e.to_string()))?;
    #[allow(clippy::cast_precision_loss)]
    let target_value = p.target_value as f64;
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(target_value)
        .predefined_metric_specification(metric)
        .build()
        .map_err(|e| invalid(OP, e.to_string()))?;
    let out = aws
        .clients
        .autoscaling
        .put_scaling_policy()
        .policy_name(&p.name)
        .service_namespace(ServiceNamespace::from(p.service_namespace.as_str()))
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::from(p.scalable_dimension.as_str()))
        .policy_type(PolicyType::from(p.policy_type.as_str()))
        .target_tracking_scaling_policy_configuration(config)
        .send()
        .await
        .map_err(|e| translate(OP, e))?;
    Ok(json!({ "arn": out.policy_arn() }))
}

impl AwsResource for ScalingPolicy {
    type Props = ScalingPolicyProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, ScalingPolicyProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let Some(p) = policy(aws, &r.props).await? else {
            return Ok(None);
        };
        let mut props = Map::new();
        if let Some(config) = p.target_tracking_scaling_policy_configuration() {
            #[allow(clippy::cast_possible_truncation)]
            let target = config.target_value().round() as i64;
            props.insert("target_value".into(), json!(target));
        }
        Ok(Some(observed(json!({ "arn": p.policy_arn() }), props)))
    }

    /// Putting a policy is idempotent by name.
    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, ScalingPolicyProps>,
    ) -> Result<Value, ProviderError> {
        put(aws, &r.props).await
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, ScalingPolicyProps>,
        _old: Option<&Typed<'_, ScalingPolicyProps>>,
    ) -> Result<Value, ProviderError> {
        put(aws, &r.props).await
    }

    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, ScalingPolicyProps>,
    ) -> Result<(), ProviderError> {
        const OP: &str = "application-autoscaling:DeleteScalingPolicy";
        if policy(aws, &r.props).await?.is_none() {
            return Ok(());
        }
        let resource_id = known(&r.props.resource_id, OP, "resource_id")?;
        aws.clients
            .autoscaling
            .delete_scaling_policy()
            .policy_name(&r.props.name)
            .service_namespace(ServiceNamespace::from(r.props.service_namespace.as_str()))
            .resource_id(resource_id)
            .scalable_dimension(ScalableDimension::from(r.props.scalable_dimension.as_str()))
            .send()
            .await
            .map(|_| ())
            .or_else(|e| ignore_not_found(translate(OP, e)))
    }
}
