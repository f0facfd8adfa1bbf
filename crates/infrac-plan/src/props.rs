//! The typed inputs of every resource type: one struct per type, built by lowering, stored in
//! plans and state as its canonical JSON, compared by the diff in that form, and read back by
//! the provider. Every struct refuses a key it does not know (`deny_unknown_fields`), so a
//! misspelled property is a compile error in lowering and a refused input in the provider,
//! never a silent default.
//!
//! The JSON form is a contract: plans and states written before these types existed hold the
//! same keys, in the same shapes. Optional properties that lowering leaves out are skipped
//! when absent (`handler`, `lifecycle`, `ephemeral_storage`, ...), never written as `null`;
//! the two content hashes that can be unknown (`code.sha256`, `context.sha256`) are written as
//! `null`, as they always were.
//!
//! A value known only at apply time (an ARN, a region, a join of text and ARNs) is an
//! [`Input::Deferred`]: the deploy engine resolves it before the provider sees the
//! properties, so there every [`Input`] is [`Input::Known`].

use crate::graph::ResourceType;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A type's properties: which resource type they belong to, and their JSON form.
pub trait ResourceProps: Serialize + DeserializeOwned + Send + Sync + 'static {
    const TYPE: ResourceType;

    /// The canonical JSON (keys sorted at every level) that plans and state hold.
    fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        crate::graph::canonicalize(&mut value);
        value
    }

    /// Reads properties back from their JSON form; an unknown or missing key is an error.
    fn from_json(value: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(value)
    }
}

/// Whether `value` is a valid set of properties for `ty`; the error says which key is wrong.
pub fn validate(ty: ResourceType, value: &Value) -> Result<(), String> {
    round_trip(ty, value).map(|_| ())
}

/// `value` read as `ty`'s properties and written back as canonical JSON.
pub fn round_trip(ty: ResourceType, value: &Value) -> Result<Value, String> {
    (ty.descriptor().round_trip)(value).map_err(|e| e.to_string())
}

pub(crate) fn round_trip_as<P: ResourceProps>(value: &Value) -> Result<Value, serde_json::Error> {
    P::from_json(value).map(|p| p.to_json())
}

/// A value known now, or one resolved at apply time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Input<T> {
    Known(T),
    Deferred(Deferred),
}

/// A string input: text, or a reference, lookup or join.
pub type Text = Input<String>;

impl<T> Input<T> {
    /// The value, when it is known (always, once the engine has resolved the properties).
    pub fn known(&self) -> Option<&T> {
        match self {
            Input::Known(value) => Some(value),
            Input::Deferred(_) => None,
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Input::Known(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Input::Known(text.to_string())
    }
}

impl Text {
    /// A string as lowering builds one ([`crate::graph::join`], [`crate::graph::output_ref`]):
    /// `None` for JSON that is neither text nor a deferred value.
    pub fn from_json(value: Value) -> Option<Text> {
        serde_json::from_value(value).ok()
    }
}

/// The three forms of a value known only at apply time (see [`crate::graph`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Deferred {
    Output(OutputRef),
    Lookup(LookupRef),
    Join(JoinRef),
}

/// `{"$ref": node, "attr": attr}`: an output of another node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRef {
    #[serde(rename = "$ref")]
    pub node: String,
    pub attr: String,
}

/// `{"$lookup": name}`: a fact about the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRef {
    #[serde(rename = "$lookup")]
    pub name: String,
}

/// `{"$join": [parts]}`: text and references run together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRef {
    #[serde(rename = "$join")]
    pub parts: Vec<Text>,
}

/// `infrac:project`, `infrac:stack`, `infrac:id`.
pub type Tags = BTreeMap<String, String>;

/// A folder of the project and the hash of its content (`null` when it could not be read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentRef {
    pub path: String,
    pub sha256: Option<String>,
}

macro_rules! props {
    ($name:ident => $ty:ident) => {
        impl ResourceProps for $name {
            const TYPE: ResourceType = ResourceType::$ty;
        }
    };
}

// ---- S3 ------------------------------------------------------------------------------------

/// `aws:s3:Bucket`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketProps {
    pub name: String,
    pub versioning: bool,
    pub force_destroy: bool,
    pub encryption: BucketEncryption,
    pub object_ownership: String,
    pub public_access_block: PublicAccessBlock,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    pub tags: Tags,
}
props!(BucketProps => S3Bucket);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    pub sse_algorithm: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Every switch on: nothing in the bucket can be made public.
    pub fn all() -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    pub expire_after_days: u64,
}

/// `aws:s3:BucketNotification`: the bucket's whole notification configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketNotificationProps {
    pub bucket: String,
    pub eventbridge: bool,
    pub lambda_functions: Vec<LambdaNotification>,
}
props!(BucketNotificationProps => S3BucketNotification);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaNotification {
    pub id: String,
    pub events: Vec<String>,
    pub function_arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<KeyFilter>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

// ---- IAM -----------------------------------------------------------------------------------

/// `aws:iam:Role`, with its inline policies by name. Policy documents are JSON as IAM takes
/// it, with ARNs not yet known kept as references inside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleProps {
    pub name: String,
    pub assume_role_policy: Value,
    pub policies: BTreeMap<String, Value>,
    pub tags: Tags,
}
props!(RoleProps => IamRole);

// ---- CloudWatch Logs -----------------------------------------------------------------------

/// `aws:logs:LogGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupProps {
    pub name: String,
    pub tags: Tags,
}
props!(LogGroupProps => LogGroup);

// ---- Lambda --------------------------------------------------------------------------------

/// `aws:lambda:Function`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionProps {
    pub name: String,
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// MiB.
    pub memory: u64,
    /// Seconds.
    pub timeout: u64,
    pub architectures: Vec<String>,
    pub role_arn: Text,
    pub code: ContentRef,
    pub logging: FunctionLogging,
    pub environment: BTreeMap<String, Text>,
    pub tags: Tags,
}
props!(FunctionProps => LambdaFunction);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionLogging {
    pub log_group: String,
}

/// `aws:lambda:Permission`: one statement of a function's resource policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionProps {
    pub statement_id: String,
    pub action: String,
    pub function_name: String,
    pub principal: String,
    pub source_arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account: Option<Text>,
}
props!(PermissionProps => LambdaPermission);

// ---- ECS -----------------------------------------------------------------------------------

/// `aws:ecs:Cluster`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterProps {
    pub name: String,
    pub tags: Tags,
}
props!(ClusterProps => EcsCluster);

/// `aws:ecs:TaskDefinition`: a Fargate task definition of one container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinitionProps {
    pub family: String,
    pub cpu: i64,
    /// MiB.
    pub memory: u64,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    pub runtime_platform: RuntimePlatform,
    pub execution_role_arn: Text,
    pub task_role_arn: Text,
    pub container_definitions: Vec<ContainerDefinition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    pub tags: Tags,
}
props!(TaskDefinitionProps => EcsTaskDefinition);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimePlatform {
    pub cpu_architecture: String,
    pub operating_system_family: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EphemeralStorage {
    pub size_in_gib: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: Text,
    pub essential: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<Text>>,
    pub environment: Vec<EnvironmentVariable>,
    /// A service's container port; a task maps none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<PortMapping>>,
    /// Variables ECS fills from Parameter Store when the container starts (a program's
    /// `secret`s): the plan holds the parameter's ARN, never the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ContainerSecret>,
    pub log_configuration: LogConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortMapping {
    pub container_port: u16,
    pub protocol: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSecret {
    pub name: String,
    /// The SSM parameter's ARN.
    pub value_from: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentVariable {
    pub name: String,
    pub value: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfiguration {
    pub log_driver: String,
    pub options: BTreeMap<String, Text>,
}

// ---- ECR -----------------------------------------------------------------------------------

/// `aws:ecr:Repository`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoryProps {
    pub name: String,
    pub image_tag_mutability: String,
    pub scan_on_push: bool,
    /// Whether deleting the repository deletes the images in it.
    pub force_delete: bool,
    pub tags: Tags,
}
props!(RepositoryProps => EcrRepository);

/// `aws:ecr:Image`: an image built from a project folder and pushed under a content tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageProps {
    pub repository: String,
    pub repository_url: Text,
    pub tag: String,
    pub platform: String,
    pub context: ContentRef,
    pub dockerfile: String,
}
props!(ImageProps => EcrImage);

// ---- EventBridge ---------------------------------------------------------------------------

/// `aws:events:Rule`, with its targets. A schedule rule has a `schedule_expression`, a rule on
/// events an `event_pattern`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleProps {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<Value>,
    pub state: String,
    pub targets: Vec<RuleTarget>,
    pub tags: Tags,
}
props!(RuleProps => EventsRule);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTarget {
    pub id: String,
    pub arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_parameters: Option<EcsParameters>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformer>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsParameters {
    pub task_definition_arn: Text,
    pub launch_type: String,
    pub task_count: i64,
    pub network_configuration: NetworkConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfiguration {
    pub awsvpc_configuration: AwsVpcConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsVpcConfiguration {
    /// The stack's subnets, or the default VPC's (looked up at deploy).
    pub subnets: Input<Vec<String>>,
    pub assign_public_ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputTransformer {
    pub input_paths_map: BTreeMap<String, String>,
    pub input_template: Text,
}

// ---- EC2 security groups -------------------------------------------------------------------

/// `aws:ec2:SecurityGroup`. Its VPC is the one its `subnets` are in (the stack's, or the
/// default VPC's): the provider asks EC2 for it, so the plan never holds a VPC id of its own.
/// Egress is EC2's default for a new group: everything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupProps {
    pub name: String,
    pub description: String,
    pub subnets: Input<Vec<String>>,
    pub ingress: Vec<IngressRule>,
    pub tags: Tags,
}

props!(SecurityGroupProps => Ec2SecurityGroup);

/// One inbound TCP port, and who may reach it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressRule {
    pub port: u16,
    pub from: IngressSource,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngressSource {
    /// An address range, such as `0.0.0.0/0`.
    Cidr(String),
    /// The address range of the group's own VPC.
    VpcCidr,
    /// Another security group, by id.
    SecurityGroup(Text),
}

// ---- Elastic Load Balancing ----------------------------------------------------------------

/// `aws:elbv2:LoadBalancer`: an Application Load Balancer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerProps {
    pub name: String,
    /// `application`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub subnets: Input<Vec<String>>,
    pub security_groups: Vec<Text>,
    pub tags: Tags,
}

props!(LoadBalancerProps => Elbv2LoadBalancer);

/// `aws:elbv2:TargetGroup`: the tasks' addresses, checked over HTTP. Its VPC is its subnets'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupProps {
    pub name: String,
    pub protocol: String,
    pub port: u16,
    /// `ip`: Fargate tasks register by address.
    pub target_type: String,
    pub subnets: Input<Vec<String>>,
    pub health_check: HealthCheck,
    pub tags: Tags,
}

props!(TargetGroupProps => Elbv2TargetGroup);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    pub protocol: String,
    pub path: String,
    /// The HTTP codes that count as healthy, `200-399`.
    pub matcher: String,
}

/// `aws:elbv2:Listener`: a port of a load balancer that forwards to one target group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerProps {
    pub load_balancer_arn: Text,
    pub protocol: String,
    pub port: u16,
    pub target_group_arn: Text,
    pub tags: Tags,
}

props!(ListenerProps => Elbv2Listener);

// ---- ECS services --------------------------------------------------------------------------

/// `aws:ecs:Service`: tasks of one definition kept running on Fargate behind a target group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceProps {
    pub name: String,
    pub cluster: Text,
    pub task_definition: Text,
    pub launch_type: String,
    /// The tasks to run. With `scaled`, only the count to start with: Application Auto Scaling
    /// owns it afterwards, so an update never sets it and drift never compares it.
    pub desired_count: i64,
    pub scaled: bool,
    pub network: ServiceNetwork,
    pub load_balancer: ServiceLoadBalancer,
    pub deployment: Deployment,
    pub tags: Tags,
}

props!(ServiceProps => EcsService);

/// Where a service's tasks run: awsvpc in these subnets, with these groups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNetwork {
    pub subnets: Input<Vec<String>>,
    pub security_groups: Vec<Text>,
    pub assign_public_ip: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLoadBalancer {
    pub target_group_arn: Text,
    pub container_name: String,
    pub container_port: u16,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub minimum_healthy_percent: i64,
    pub maximum_percent: i64,
    /// ECS stops a deployment whose tasks keep failing and, with `rollback`, goes back to the
    /// last one that was stable.
    pub circuit_breaker: bool,
    pub rollback: bool,
}

// ---- Application Auto Scaling --------------------------------------------------------------

/// `aws:applicationautoscaling:ScalableTarget`: the range a service's desired count may take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalableTargetProps {
    pub service_namespace: String,
    /// `service/CLUSTER/SERVICE`.
    pub resource_id: Text,
    pub scalable_dimension: String,
    pub min_capacity: i64,
    pub max_capacity: i64,
}

props!(ScalableTargetProps => ScalableTarget);

/// `aws:applicationautoscaling:ScalingPolicy`: target tracking on a predefined metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingPolicyProps {
    pub name: String,
    pub service_namespace: String,
    pub resource_id: Text,
    pub scalable_dimension: String,
    pub policy_type: String,
    pub predefined_metric: String,
    /// Percent.
    pub target_value: i64,
}

props!(ScalingPolicyProps => ScalingPolicy);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deferred_values_keep_their_json_form() {
        let cases = [
            json!("plain"),
            json!({"$ref": "f/role", "attr": "arn"}),
            json!({"$lookup": "aws.region"}),
            json!({"$join": ["arn:", {"$ref": "x", "attr": "arn"}, ":*"]}),
        ];
        for case in cases {
            let text: Text = serde_json::from_value(case.clone()).expect("reads");
            assert_eq!(serde_json::to_value(&text).expect("writes"), case);
        }
        assert!(serde_json::from_value::<Text>(json!({"$ref": "x"})).is_err());
        assert!(
            serde_json::from_value::<Text>(json!({"$ref": "x", "attr": "arn", "extra": 1}))
                .is_err()
        );
        assert_eq!(Text::from("a").known().map(String::as_str), Some("a"));
    }

    #[test]
    fn unknown_and_missing_keys_are_refused() {
        let good = json!({"name": "g", "tags": {"infrac:id": "f/logs"}});
        assert!(validate(ResourceType::LogGroup, &good).is_ok());
        let mut typo = good.clone();
        typo["tagz"] = json!({});
        let err = validate(ResourceType::LogGroup, &typo).expect_err("refused");
        assert!(err.contains("unknown field `tagz`"), "{err}");
        let err = validate(ResourceType::LogGroup, &json!({"name": "g"})).expect_err("refused");
        assert!(err.contains("missing field `tags`"), "{err}");
    }

    #[test]
    fn absent_options_are_left_out_and_unknown_hashes_are_null() {
        let f = FunctionProps {
            name: "p-dev-f".into(),
            runtime: "python3.12".into(),
            handler: None,
            memory: 128,
            timeout: 3,
            architectures: vec!["x86_64".into()],
            role_arn: Input::Deferred(Deferred::Output(OutputRef {
                node: "f/role".into(),
                attr: "arn".into(),
            })),
            code: ContentRef {
                path: "src".into(),
                sha256: None,
            },
            logging: FunctionLogging {
                log_group: "/aws/lambda/p-dev-f".into(),
            },
            environment: BTreeMap::new(),
            tags: Tags::new(),
        };
        let json = f.to_json();
        assert!(json.get("handler").is_none());
        assert_eq!(json["code"], json!({"path": "src", "sha256": null}));
        assert_eq!(FunctionProps::from_json(&json).expect("round trip"), f);
    }
}
