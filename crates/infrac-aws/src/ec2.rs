//! EC2, sent as signed Query requests on the same HTTP stack as the SDK (the EC2 SDK crate is
//! the largest of all and would double the build for a handful of calls): the default VPC's
//! subnets, what a load balancer needs to know of its network (the subnets' zones and VPC, the
//! VPC's address range and internet gateway), and the `aws:ec2:SecurityGroup` resource.

use crate::error::invalid;
use crate::provider::AwsProvider;
use crate::resource::{already_exists, known, observed, read_or_none, AwsResource, Typed};
use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{IngressRule, IngressSource, Input, SecurityGroupProps, Tags, Text};
use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime};

const VERSION: &str = "2016-11-15";

fn endpoint(config: &SdkConfig, region: &str) -> String {
    std::env::var("AWS_ENDPOINT_URL_EC2")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| config.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"))
}

/// `application/x-www-form-urlencoded` escaping of one key or value.
fn form_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Calls the EC2 Query action with `params`, retrying AWS's short-lived failures; the answer's
/// XML.
pub async fn call(
    config: &SdkConfig,
    action: &str,
    params: &[(String, String)],
) -> Result<String, ProviderError> {
    let operation = format!("ec2:{action}");
    let region = config
        .region()
        .map(ToString::to_string)
        .ok_or_else(|| invalid(&operation, "no region is configured"))?;
    let url = format!("{}/", endpoint(config, &region).trim_end_matches('/'));
    let mut body = format!("Action={action}&Version={VERSION}");
    for (k, v) in params {
        body.push('&');
        body.push_str(&form_escape(k));
        body.push('=');
        body.push_str(&form_escape(v));
    }
    let mut pause = Duration::from_millis(300);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match send(config, &region, &url, &operation, &body).await {
            Err(err) if err.kind == ErrorKind::Transient && attempt < 5 => {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            other => return other,
        }
    }
}

fn param(key: impl Into<String>, value: impl Into<String>) -> (String, String) {
    (key.into(), value.into())
}

/// The ids of the default VPC's default subnets (one per availability zone), sorted.
pub async fn default_subnets(config: &SdkConfig) -> Result<Vec<String>, ProviderError> {
    let params = [
        param("Filter.1.Name", "default-for-az"),
        param("Filter.1.Value.1", "true"),
    ];
    let text = call(config, "DescribeSubnets", &params).await?;
    let mut ids = elements(&text, "subnetId");
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(invalid(
            "ec2:DescribeSubnets",
            "the region has no default VPC subnets",
        )
        .with_hint(
            "name the subnets tasks run in with `[network] subnets = [...]` in infra.toml",
        ));
    }
    Ok(ids)
}

/// A subnet: its id, VPC and availability zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub vpc: String,
    pub zone: String,
}

/// The subnets of these ids; an id EC2 does not know is an error that names it.
pub async fn subnets(config: &SdkConfig, ids: &[String]) -> Result<Vec<Subnet>, ProviderError> {
    let params: Vec<(String, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| param(format!("SubnetId.{}", i + 1), id.clone()))
        .collect();
    let text = call(config, "DescribeSubnets", &params).await?;
    Ok(items(section(&text, "subnetSet").unwrap_or(""))
        .into_iter()
        .map(|item| Subnet {
            id: first(item, "subnetId"),
            vpc: first(item, "vpcId"),
            zone: first(item, "availabilityZone"),
        })
        .collect())
}

/// The VPC `subnets` are in (the first one's).
async fn vpc_of(
    config: &SdkConfig,
    subnet_ids: &[String],
    what: &str,
) -> Result<String, ProviderError> {
    let found = subnets(config, subnet_ids).await?;
    found
        .first()
        .map(|s| s.vpc.clone())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid("ec2:DescribeSubnets", format!("no subnet of {what} exists")))
}

/// A VPC's IPv4 address range.
pub async fn vpc_cidr(config: &SdkConfig, vpc: &str) -> Result<String, ProviderError> {
    let text = call(config, "DescribeVpcs", &[param("VpcId.1", vpc)]).await?;
    elements(&text, "cidrBlock")
        .into_iter()
        .next()
        .ok_or_else(|| invalid("ec2:DescribeVpcs", format!("VPC {vpc} has no IPv4 range")))
}

/// Whether an internet gateway is attached to the VPC (what an internet-facing load balancer
/// needs to be reached).
pub async fn has_internet_gateway(config: &SdkConfig, vpc: &str) -> Result<bool, ProviderError> {
    let params = [
        param("Filter.1.Name", "attachment.vpc-id"),
        param("Filter.1.Value.1", vpc),
    ];
    let text = call(config, "DescribeInternetGateways", &params).await?;
    Ok(!elements(&text, "internetGatewayId").is_empty())
}

async fn send(
    config: &SdkConfig,
    region: &str,
    url: &str,
    operation: &str,
    body: &str,
) -> Result<String, ProviderError> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let op = operation;
    let credentials = config
        .credentials_provider()
        .ok_or_else(|| invalid(op, "no AWS credentials are configured"))?
        .provide_credentials()
        .await
        .map_err(|e| {
            invalid(op, format!("no AWS credentials: {e}")).with_hint(
                "set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`",
            )
        })?;
    let identity = credentials.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("ec2")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| invalid(op, e.to_string()))?
        .into();
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let headers = [("content-type", content_type)];
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| invalid(op, e.to_string()))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| invalid(op, e.to_string()))?
        .into_parts();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| invalid(op, e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| invalid(op, format!("no TLS roots: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(https);
    let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
        .await
        .map_err(|_| transient(op, "no answer in 30 seconds"))?
        .map_err(|e| transient(op, &format!("could not reach AWS: {e}")))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| transient(op, &e.to_string()))?
        .to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let code = elements(&text, "Code")
        .into_iter()
        .next()
        .unwrap_or_else(|| format!("HTTP {status}"));
    let message = elements(&text, "Message")
        .into_iter()
        .next()
        .unwrap_or_default();
    let kind = if status == 429
        || status >= 500
        || code.contains("Throttl")
        || code == "RequestLimitExceeded"
    {
        ErrorKind::Transient
    } else {
        ErrorKind::Other
    };
    let kind = match code.as_str() {
        _ if kind == ErrorKind::Transient => kind,
        c if c.ends_with(".NotFound") => ErrorKind::NotFound,
        c if c.ends_with(".Duplicate") => ErrorKind::AlreadyExists,
        _ => kind,
    };
    Err(ProviderError::new(kind, op, message).with_code(code))
}

fn transient(operation: &str, message: &str) -> ProviderError {
    ProviderError::new(ErrorKind::Transient, operation, message).with_hint(
        "check the network, the region, and AWS_ENDPOINT_URL if one is set; then run again",
    )
}

/// The text of every `<name>…</name>` element (EC2's answers are flat enough for this).
fn elements(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + close.len()..];
    }
    out
}

/// The text of the first `<name>` element, or an empty string.
fn first(xml: &str, name: &str) -> String {
    elements(xml, name).into_iter().next().unwrap_or_default()
}

/// The content of the first `<name>...</name>` (the exact element, not one whose name starts
/// the same: `ipPermissions` is not `ipPermissionsEgress`).
fn section<'x>(xml: &'x str, name: &str) -> Option<&'x str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(&xml[start..end])
}

/// The top-level `<item>`s of a list, each with its nested items inside.
fn items(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut at = 0;
    while let Some(next) = list[at..].find('<') {
        let tag_start = at + next;
        let rest = &list[tag_start..];
        if rest.starts_with("<item>") {
            if depth == 0 {
                start = tag_start + "<item>".len();
            }
            depth += 1;
            at = tag_start + "<item>".len();
        } else if rest.starts_with("</item>") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                out.push(&list[start..tag_start]);
            }
            at = tag_start + "</item>".len();
        } else {
            at = tag_start + 1;
        }
    }
    out
}

// ---- aws:ec2:SecurityGroup ------------------------------------------------------------------

/// `aws:ec2:SecurityGroup`.
pub struct SecurityGroup;

/// A group as EC2 has it: its id, VPC, inbound rules and tags.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupState {
    pub id: String,
    pub vpc: String,
    /// `(port, cidr or None, source group or None)`, TCP only.
    pub ingress: Vec<(u16, Option<String>, Option<String>)>,
    pub tags: Tags,
}

fn parse_groups(xml: &str) -> Vec<GroupState> {
    items(section(xml, "securityGroupInfo").unwrap_or(""))
        .into_iter()
        .map(|group| {
            let mut ingress = Vec::new();
            for perm in items(section(group, "ipPermissions").unwrap_or("")) {
                if first(perm, "ipProtocol") != "tcp" {
                    continue;
                }
                let Ok(port) = first(perm, "fromPort").parse::<u16>() else {
                    continue;
                };
                for range in items(section(perm, "ipRanges").unwrap_or("")) {
                    ingress.push((port, Some(first(range, "cidrIp")), None));
                }
                for pair in items(section(perm, "groups").unwrap_or("")) {
                    ingress.push((port, None, Some(first(pair, "groupId"))));
                }
            }
            let tags = items(section(group, "tagSet").unwrap_or(""))
                .into_iter()
                .map(|t| (first(t, "key"), first(t, "value")))
                .collect();
            GroupState {
                id: first(group, "groupId"),
                vpc: first(group, "vpcId"),
                ingress,
                tags,
            }
        })
        .collect()
}

/// The group of this name in this VPC.
pub async fn group_named(
    config: &SdkConfig,
    vpc: &str,
    name: &str,
) -> Result<Option<GroupState>, ProviderError> {
    let params = [
        param("Filter.1.Name", "group-name"),
        param("Filter.1.Value.1", name),
        param("Filter.2.Name", "vpc-id"),
        param("Filter.2.Value.1", vpc),
    ];
    let text = call(config, "DescribeSecurityGroups", &params).await?;
    Ok(parse_groups(&text).into_iter().next())
}

/// Every security group of the region (for tests and tools that look for what is tagged).
pub async fn all_groups(config: &SdkConfig) -> Result<Vec<GroupState>, ProviderError> {
    let text = call(config, "DescribeSecurityGroups", &[]).await?;
    Ok(parse_groups(&text))
}

/// The subnets of a group's properties, which the engine has resolved.
fn subnet_ids<'p>(
    p: &'p SecurityGroupProps,
    operation: &str,
) -> Result<&'p [String], ProviderError> {
    match &p.subnets {
        Input::Known(ids) if !ids.is_empty() => Ok(ids),
        _ => Err(invalid(operation, "`subnets` is not known yet")),
    }
}

/// The inbound rules a group should have, as EC2 writes them (`VpcCidr` resolved).
async fn desired_ingress(
    aws: &AwsProvider,
    p: &SecurityGroupProps,
    vpc: &str,
) -> Result<Vec<(u16, Option<String>, Option<String>)>, ProviderError> {
    let mut out = Vec::new();
    for rule in &p.ingress {
        out.push(match &rule.from {
            IngressSource::Cidr(cidr) => (rule.port, Some(cidr.clone()), None),
            IngressSource::VpcCidr => (
                rule.port,
                Some(vpc_cidr(&aws.clients.config, vpc).await?),
                None,
            ),
            IngressSource::SecurityGroup(group) => (
                rule.port,
                None,
                Some(
                    known(
                        group,
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ingress.from.security_group",
                    )?
                    .to_string(),
                ),
            ),
        });
    }
    Ok(out)
}

fn permission_params(rules: &[(u16, Option<String>, Option<String>)]) -> Vec<(String, String)> {
    let mut params = Vec::new();
    for (i, (port, cidr, group)) in rules.iter().enumerate() {
        let n = i + 1;
        params.push(param(format!("IpPermissions.{n}.IpProtocol"), "tcp"));
        params.push(param(
            format!("IpPermissions.{n}.FromPort"),
            port.to_string(),
        ));
        params.push(param(format!("IpPermissions.{n}.ToPort"), port.to_string()));
        if let Some(cidr) = cidr {
            params.push(param(
                format!("IpPermissions.{n}.IpRanges.1.CidrIp"),
                cidr.clone(),
            ));
        }
        if let Some(group) = group {
            params.push(param(
                format!("IpPermissions.{n}.Groups.1.GroupId"),
                group.clone(),
            ));
        }
    }
    params
}

/// Makes the group's inbound rules exactly `desired`: revokes the others, authorizes the
/// missing ones.
async fn set_ingress(
    aws: &AwsProvider,
    group: &GroupState,
    desired: &[(u16, Option<String>, Option<String>)],
) -> Result<(), ProviderError> {
    let config = &aws.clients.config;
    let stale: Vec<_> = group
        .ingress
        .iter()
        .filter(|r| !desired.contains(r))
        .cloned()
        .collect();
    let missing: Vec<_> = desired
        .iter()
        .filter(|r| !group.ingress.contains(r))
        .cloned()
        .collect();
    for (action, rules) in [
        ("RevokeSecurityGroupIngress", stale),
        ("AuthorizeSecurityGroupIngress", missing),
    ] {
        if rules.is_empty() {
            continue;
        }
        let mut params = vec![param("GroupId", group.id.clone())];
        params.extend(permission_params(&rules));
        call(config, action, &params).await?;
    }
    Ok(())
}

fn tag_params(tags: &Tags, prefix: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    for (i, (k, v)) in tags.iter().enumerate() {
        params.push(param(format!("{prefix}Tag.{}.Key", i + 1), k.clone()));
        params.push(param(format!("{prefix}Tag.{}.Value", i + 1), v.clone()));
    }
    params
}

/// The ingress rules as the properties say them: a range equal to the VPC's reads as
/// `VpcCidr`, so a group made for an internal load balancer shows no drift.
fn observed_ingress(group: &GroupState, vpc_range: Option<&str>) -> Value {
    let rules: Vec<IngressRule> = group
        .ingress
        .iter()
        .map(|(port, cidr, source)| IngressRule {
            port: *port,
            from: match (cidr, source) {
                (Some(c), _) if Some(c.as_str()) == vpc_range => IngressSource::VpcCidr,
                (Some(c), _) => IngressSource::Cidr(c.clone()),
                (None, Some(g)) => IngressSource::SecurityGroup(Text::from(g.clone())),
                (None, None) => IngressSource::Cidr(String::new()),
            },
        })
        .collect();
    serde_json::to_value(rules).unwrap_or(Value::Null)
}

async fn find_group(
    aws: &AwsProvider,
    r: &Typed<'_, SecurityGroupProps>,
    operation: &str,
) -> Result<(String, Option<GroupState>), ProviderError> {
    let config = &aws.clients.config;
    let vpc = vpc_of(config, subnet_ids(&r.props, operation)?, r.id).await?;
    let group = group_named(config, &vpc, r.name).await?;
    Ok((vpc, group))
}

impl AwsResource for SecurityGroup {
    type Props = SecurityGroupProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, SecurityGroupProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let Some((vpc, group)) =
            read_or_none(find_group(aws, r, "ec2:DescribeSecurityGroups").await)?
        else {
            return Ok(None);
        };
        let Some(group) = group else { return Ok(None) };
        let needs_range = r
            .props
            .ingress
            .iter()
            .any(|i| i.from == IngressSource::VpcCidr);
        let range = if needs_range {
            Some(vpc_cidr(&aws.clients.config, &vpc).await?)
        } else {
            None
        };
        let mut props = Map::new();
        props.insert("ingress".into(), observed_ingress(&group, range.as_deref()));
        Ok(Some(observed(json!({ "id": group.id }), props)))
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, SecurityGroupProps>,
    ) -> Result<Value, ProviderError> {
        let config = &aws.clients.config;
        let (vpc, existing) = find_group(aws, r, "ec2:CreateSecurityGroup").await?;
        if existing.is_some() {
            return Err(already_exists(
                "ec2:CreateSecurityGroup",
                "security group",
                r.name,
            ));
        }
        let mut params = vec![
            param("GroupName", r.name),
            param("GroupDescription", r.props.description.clone()),
            param("VpcId", vpc.clone()),
            param("TagSpecification.1.ResourceType", "security-group"),
        ];
        params.extend(tag_params(&r.props.tags, "TagSpecification.1."));
        let text = call(config, "CreateSecurityGroup", &params).await?;
        let id = first(&text, "groupId");
        let group = GroupState {
            id: id.clone(),
            vpc: vpc.clone(),
            ingress: Vec::new(),
            tags: r.props.tags.clone(),
        };
        let desired = desired_ingress(aws, &r.props, &vpc).await?;
        set_ingress(aws, &group, &desired).await?;
        Ok(json!({ "id": id }))
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, SecurityGroupProps>,
        _old: Option<&Typed<'_, SecurityGroupProps>>,
    ) -> Result<Value, ProviderError> {
        let config = &aws.clients.config;
        let (vpc, group) = find_group(aws, r, "ec2:DescribeSecurityGroups").await?;
        let Some(group) = group else {
            return Err(ProviderError::new(
                ErrorKind::NotFound,
                "ec2:DescribeSecurityGroups",
                format!("security group {} does not exist", r.name),
            ));
        };
        let desired = desired_ingress(aws, &r.props, &vpc).await?;
        set_ingress(aws, &group, &desired).await?;
        if group.tags != r.props.tags {
            let mut params = vec![param("ResourceId.1", group.id.clone())];
            params.extend(tag_params(&r.props.tags, ""));
            call(config, "CreateTags", &params).await?;
        }
        Ok(json!({ "id": group.id }))
    }

    /// EC2 refuses to delete a group while a network interface uses it, and a deleted load
    /// balancer's or task's interfaces linger for a few minutes: retried meanwhile.
    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, SecurityGroupProps>,
    ) -> Result<(), ProviderError> {
        let config = &aws.clients.config;
        let (_, group) = match find_group(aws, r, "ec2:DeleteSecurityGroup").await {
            Err(err) if err.is_not_found() => return Ok(()),
            other => other?,
        };
        let Some(group) = group else { return Ok(()) };
        let params = [param("GroupId", group.id.clone())];
        let result = crate::resource::retry_while(
            Duration::from_mins(10),
            |e| e.code.as_deref() == Some("DependencyViolation"),
            || call(config, "DeleteSecurityGroup", &params),
        )
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_elements() {
        let xml = "<r><subnetSet><item><subnetId>subnet-1</subnetId></item><item><subnetId>subnet-2</subnetId></item></subnetSet></r>";
        assert_eq!(
            super::elements(xml, "subnetId"),
            vec!["subnet-1", "subnet-2"]
        );
    }

    #[test]
    fn reads_a_security_group_with_nested_lists() {
        let xml = "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId><vpcId>vpc-1</vpcId>\
<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>\
<item><ipProtocol>tcp</ipProtocol><fromPort>8080</fromPort><toPort>8080</toPort><groups><item><groupId>sg-2</groupId><userId>1</userId></item></groups><ipRanges/></item></ipPermissions>\
<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissionsEgress>\
<tagSet><item><key>infrac:id</key><value>web/security-group</value></item></tagSet></item></securityGroupInfo></DescribeSecurityGroupsResponse>";
        let groups = super::parse_groups(xml);
        assert_eq!(groups.len(), 1);
        let g = &groups[0];
        assert_eq!((g.id.as_str(), g.vpc.as_str()), ("sg-1", "vpc-1"));
        assert_eq!(
            g.ingress,
            vec![
                (80, Some("0.0.0.0/0".to_string()), None),
                (8080, None, Some("sg-2".to_string())),
            ]
        );
        assert_eq!(
            g.tags.get("infrac:id").map(String::as_str),
            Some("web/security-group")
        );
    }

    #[test]
    fn escapes_form_values() {
        assert_eq!(super::form_escape("a b/c=d"), "a%20b%2Fc%3Dd");
        assert_eq!(super::form_escape("0.0.0.0/0"), "0.0.0.0%2F0");
    }
}
