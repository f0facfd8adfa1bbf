//! The closed set of resource types, and one [`Descriptor`] per type holding every fact about
//! it that the plan, the deploy engine and the provider ask: its printed name, which changed
//! inputs force a replace, the type it lives inside, whether it takes tags, which properties
//! the provider reads back for drift, and the check of its typed properties
//! ([`crate::props`]). A new type is one variant, one descriptor and one properties struct.

use crate::props::{self, round_trip_as};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The closed set of resource types the lowering emits, printed as `aws:s3:Bucket`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceType {
    #[serde(rename = "aws:s3:Bucket")]
    S3Bucket,
    #[serde(rename = "aws:s3:BucketNotification")]
    S3BucketNotification,
    #[serde(rename = "aws:iam:Role")]
    IamRole,
    #[serde(rename = "aws:lambda:Function")]
    LambdaFunction,
    #[serde(rename = "aws:lambda:Permission")]
    LambdaPermission,
    #[serde(rename = "aws:logs:LogGroup")]
    LogGroup,
    #[serde(rename = "aws:ecs:Cluster")]
    EcsCluster,
    #[serde(rename = "aws:ecs:TaskDefinition")]
    EcsTaskDefinition,
    #[serde(rename = "aws:ecr:Repository")]
    EcrRepository,
    #[serde(rename = "aws:ecr:Image")]
    EcrImage,
    #[serde(rename = "aws:events:Rule")]
    EventsRule,
    #[serde(rename = "aws:ec2:SecurityGroup")]
    Ec2SecurityGroup,
    #[serde(rename = "aws:elbv2:LoadBalancer")]
    Elbv2LoadBalancer,
    #[serde(rename = "aws:elbv2:TargetGroup")]
    Elbv2TargetGroup,
    #[serde(rename = "aws:elbv2:Listener")]
    Elbv2Listener,
    #[serde(rename = "aws:ecs:Service")]
    EcsService,
    #[serde(rename = "aws:applicationautoscaling:ScalableTarget")]
    ScalableTarget,
    #[serde(rename = "aws:applicationautoscaling:ScalingPolicy")]
    ScalingPolicy,
}

/// Which changed inputs a resource type cannot take in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceRule {
    /// Any change makes a new resource (a task definition is always a new revision).
    Always,
    /// A change to one of these top-level properties makes a new resource; others update.
    Keys(&'static [&'static str]),
}

/// Everything about one resource type that is not its properties' shape.
#[derive(Clone, Copy, Debug)]
pub struct Descriptor {
    pub ty: ResourceType,
    /// `aws:s3:Bucket`: in plans, state and messages.
    pub name: &'static str,
    /// The inputs AWS cannot change in place.
    pub replace: ReplaceRule,
    /// The type of the resource this one lives inside, when it has no existence of its own:
    /// when that parent is made anew, so is this.
    pub parent: Option<ResourceType>,
    /// Whether AWS lets this type carry tags.
    pub taggable: bool,
    /// The top-level properties the provider reads back from AWS, exactly, so that a change
    /// made outside infrac shows as drift. Others are not compared.
    pub drift_keys: &'static [&'static str],
    /// Reads a JSON value as the type's properties struct and writes it back: an error for a
    /// value that is not the type's properties, else the canonical JSON of what was read.
    pub round_trip: fn(&Value) -> Result<Value, serde_json::Error>,
}

/// Names are identities for most types: a new name is a new resource.
const NAME: ReplaceRule = ReplaceRule::Keys(&["name"]);

/// In the order of [`ResourceType`]'s variants ([`ResourceType::descriptor`] indexes it).
static DESCRIPTORS: [Descriptor; 18] = [
    Descriptor {
        ty: ResourceType::S3Bucket,
        name: "aws:s3:Bucket",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &["versioning"],
        round_trip: round_trip_as::<props::BucketProps>,
    },
    Descriptor {
        ty: ResourceType::S3BucketNotification,
        name: "aws:s3:BucketNotification",
        replace: ReplaceRule::Keys(&["bucket"]),
        parent: Some(ResourceType::S3Bucket),
        taggable: false,
        // Only a switch seen on is reported: moto never returns the EventBridge setting.
        drift_keys: &["eventbridge"],
        round_trip: round_trip_as::<props::BucketNotificationProps>,
    },
    Descriptor {
        ty: ResourceType::IamRole,
        name: "aws:iam:Role",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &["assume_role_policy", "policies"],
        round_trip: round_trip_as::<props::RoleProps>,
    },
    Descriptor {
        ty: ResourceType::LambdaFunction,
        name: "aws:lambda:Function",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &["handler", "memory", "runtime", "timeout"],
        round_trip: round_trip_as::<props::FunctionProps>,
    },
    Descriptor {
        ty: ResourceType::LambdaPermission,
        name: "aws:lambda:Permission",
        // A permission cannot be edited, only removed and added.
        replace: ReplaceRule::Always,
        parent: Some(ResourceType::LambdaFunction),
        taggable: false,
        drift_keys: &[],
        round_trip: round_trip_as::<props::PermissionProps>,
    },
    Descriptor {
        ty: ResourceType::LogGroup,
        name: "aws:logs:LogGroup",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &[],
        round_trip: round_trip_as::<props::LogGroupProps>,
    },
    Descriptor {
        ty: ResourceType::EcsCluster,
        name: "aws:ecs:Cluster",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &[],
        round_trip: round_trip_as::<props::ClusterProps>,
    },
    Descriptor {
        ty: ResourceType::EcsTaskDefinition,
        name: "aws:ecs:TaskDefinition",
        // Every change is a new revision.
        replace: ReplaceRule::Always,
        parent: None,
        taggable: true,
        drift_keys: &[],
        round_trip: round_trip_as::<props::TaskDefinitionProps>,
    },
    Descriptor {
        ty: ResourceType::EcrRepository,
        name: "aws:ecr:Repository",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &[],
        round_trip: round_trip_as::<props::RepositoryProps>,
    },
    Descriptor {
        ty: ResourceType::EcrImage,
        name: "aws:ecr:Image",
        // An image is immutable: a new build is a new tag.
        replace: ReplaceRule::Always,
        parent: Some(ResourceType::EcrRepository),
        taggable: false,
        drift_keys: &[],
        round_trip: round_trip_as::<props::ImageProps>,
    },
    Descriptor {
        ty: ResourceType::EventsRule,
        name: "aws:events:Rule",
        replace: NAME,
        parent: None,
        taggable: true,
        drift_keys: &["event_pattern", "schedule_expression", "state"],
        round_trip: round_trip_as::<props::RuleProps>,
    },
    Descriptor {
        ty: ResourceType::Ec2SecurityGroup,
        name: "aws:ec2:SecurityGroup",
        // EC2 cannot rename a group, change its description or move it to another VPC; its
        // rules change in place.
        replace: ReplaceRule::Keys(&["name", "description", "subnets"]),
        parent: None,
        taggable: true,
        drift_keys: &["ingress"],
        round_trip: round_trip_as::<props::SecurityGroupProps>,
    },
    Descriptor {
        ty: ResourceType::Elbv2LoadBalancer,
        name: "aws:elbv2:LoadBalancer",
        // Name, type and scheme are fixed at creation; subnets and groups change in place.
        replace: ReplaceRule::Keys(&["name", "type", "scheme"]),
        parent: None,
        taggable: true,
        drift_keys: &["scheme", "security_groups", "subnets"],
        round_trip: round_trip_as::<props::LoadBalancerProps>,
    },
    Descriptor {
        ty: ResourceType::Elbv2TargetGroup,
        name: "aws:elbv2:TargetGroup",
        // A target group's protocol, target type and VPC are fixed at creation; its health
        // check changes in place. Its port is fixed too, but for `ip` targets it is only a
        // default: ECS registers each task with its container port and the health check
        // follows it, so a new `port` keeps the group (replacing it would fail while the
        // listener forwards to it) and is not read back.
        replace: ReplaceRule::Keys(&["name", "protocol", "target_type", "subnets"]),
        parent: None,
        taggable: true,
        drift_keys: &["health_check"],
        round_trip: round_trip_as::<props::TargetGroupProps>,
    },
    Descriptor {
        ty: ResourceType::Elbv2Listener,
        name: "aws:elbv2:Listener",
        replace: ReplaceRule::Keys(&["load_balancer_arn"]),
        parent: Some(ResourceType::Elbv2LoadBalancer),
        taggable: true,
        drift_keys: &["port", "protocol"],
        round_trip: round_trip_as::<props::ListenerProps>,
    },
    Descriptor {
        ty: ResourceType::EcsService,
        name: "aws:ecs:Service",
        // ECS updates a service's definition, count, network and load balancer binding in
        // place (rolling its tasks); its name, cluster and launch type are fixed.
        replace: ReplaceRule::Keys(&["name", "cluster", "launch_type"]),
        parent: None,
        taggable: true,
        drift_keys: &["desired_count"],
        round_trip: round_trip_as::<props::ServiceProps>,
    },
    Descriptor {
        ty: ResourceType::ScalableTarget,
        name: "aws:applicationautoscaling:ScalableTarget",
        // Registering the same target again updates its capacities.
        replace: ReplaceRule::Keys(&["service_namespace", "resource_id", "scalable_dimension"]),
        parent: Some(ResourceType::EcsService),
        taggable: false,
        drift_keys: &["max_capacity", "min_capacity"],
        round_trip: round_trip_as::<props::ScalableTargetProps>,
    },
    Descriptor {
        ty: ResourceType::ScalingPolicy,
        name: "aws:applicationautoscaling:ScalingPolicy",
        // Putting the same policy again updates it.
        replace: ReplaceRule::Keys(&[
            "name",
            "service_namespace",
            "resource_id",
            "scalable_dimension",
        ]),
        parent: Some(ResourceType::ScalableTarget),
        taggable: false,
        drift_keys: &["target_value"],
        round_trip: round_trip_as::<props::ScalingPolicyProps>,
    },
];

impl ResourceType {
    pub const ALL: [ResourceType; 18] = [
        ResourceType::S3Bucket,
        ResourceType::S3BucketNotification,
        ResourceType::IamRole,
        ResourceType::LambdaFunction,
        ResourceType::LambdaPermission,
        ResourceType::LogGroup,
        ResourceType::EcsCluster,
        ResourceType::EcsTaskDefinition,
        ResourceType::EcrRepository,
        ResourceType::EcrImage,
        ResourceType::EventsRule,
        ResourceType::Ec2SecurityGroup,
        ResourceType::Elbv2LoadBalancer,
        ResourceType::Elbv2TargetGroup,
        ResourceType::Elbv2Listener,
        ResourceType::EcsService,
        ResourceType::ScalableTarget,
        ResourceType::ScalingPolicy,
    ];

    /// Every fact about this type.
    pub fn descriptor(self) -> &'static Descriptor {
        &DESCRIPTORS[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.descriptor().name
    }

    pub fn parse(text: &str) -> Option<ResourceType> {
        DESCRIPTORS.iter().find(|d| d.name == text).map(|d| d.ty)
    }

    /// The inputs AWS cannot change in place.
    pub fn replace_rule(self) -> ReplaceRule {
        self.descriptor().replace
    }

    /// Whether a change at `path` (as in [`crate::diff::Change::path`]) forces a replace.
    pub fn forces_replace(self, path: &str) -> bool {
        match self.replace_rule() {
            ReplaceRule::Always => true,
            ReplaceRule::Keys(keys) => keys.contains(&top_level_key(path)),
        }
    }

    /// The type of the resource this one lives inside (a notification configuration is part
    /// of its bucket, a permission part of its function's policy, an image part of its
    /// repository).
    pub fn parent_type(self) -> Option<ResourceType> {
        self.descriptor().parent
    }

    /// Whether AWS lets this type carry tags (notifications, permissions and images cannot).
    pub fn taggable(self) -> bool {
        self.descriptor().taggable
    }

    /// The properties the provider reads back for drift.
    pub fn drift_keys(self) -> &'static [&'static str] {
        self.descriptor().drift_keys
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `memory` of `memory`, `container_definitions` of `container_definitions[0].image`.
pub fn top_level_key(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_its_own_descriptor_under_its_serde_name() {
        for (i, ty) in ResourceType::ALL.into_iter().enumerate() {
            assert_eq!(DESCRIPTORS[i].ty, ty);
            let json = serde_json::to_string(&ty).expect("serializes");
            assert_eq!(json, format!("\"{}\"", ty.descriptor().name));
        }
    }

    #[test]
    fn every_type_checks_its_properties() {
        for ty in ResourceType::ALL {
            let err = (ty.descriptor().round_trip)(&serde_json::json!({}))
                .expect_err("empty properties are refused")
                .to_string();
            assert!(err.contains("missing field"), "{ty}: {err}");
        }
    }
}
