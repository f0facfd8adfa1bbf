//! `infrac import ID AWS-NAME` against moto's server, with the real binary and the real SDK:
//! a bucket and a role made outside infrac are adopted into a stack (only their tags change),
//! the next plan updates them instead of creating anything, the deploy keeps the bucket's
//! name and objects, and every refusal leaves AWS and the state as they were.

mod support;

use std::path::Path;
use support::moto::*;

fn state_text(project: &Path) -> Option<String> {
    std::fs::read_to_string(project.join(".infra/state/dev.json")).ok()
}

async fn bucket_tags(sdk: &Sdk, bucket: &str) -> Vec<String> {
    let out = sdk
        .s3
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
        .expect("bucket tags");
    let mut tags: Vec<String> = out
        .tag_set()
        .iter()
        .map(|t| format!("{}={}", t.key(), t.value()))
        .collect();
    tags.sort();
    tags
}

#[test]
fn a_bucket_and_a_role_made_by_hand_are_adopted_and_deployed_in_place() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("imp-a");
    let p = dir.path().to_str().expect("utf-8 path");
    let role = name_of(&planned_names(&moto.url, dir.path()), "on_thumbnail/role");
    let rt = runtime();
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        foreign_bucket(&sdk, "imp-a-videos-by-hand", &tags_of(&[("team", "media")])).await;
        sdk.s3
            .put_object()
            .bucket("imp-a-videos-by-hand")
            .key("old/video.mp4")
            .body(b"frames".to_vec().into())
            .send()
            .await
            .expect("object");
        foreign_role(&sdk, &role, &tags_of(&[])).await;
    });

    let out = infrac(
        &moto.url,
        &["import", "media", "imp-a-videos-by-hand", p],
        &[],
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("Imported `media` (aws:s3:Bucket imp-a-videos-by-hand) into stack dev: tagged it for stack dev of imp-a (its other tags are kept)."),
        "{t}"
    );
    let instance = state(dir.path(), "dev").instance.expect("an instance id");
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        assert_eq!(
            bucket_tags(&sdk, "imp-a-videos-by-hand").await,
            vec![
                "infrac:id=media".to_string(),
                format!("infrac:instance={instance}"),
                "infrac:project=imp-a".to_string(),
                "infrac:stack=dev".to_string(),
                "team=media".to_string(),
            ]
        );
    });
    let out = infrac(&moto.url, &["import", "on_thumbnail/role", &role, p], &[]);
    assert!(out.status.success(), "{}", text(&out));

    // The plan updates both in place: nothing is created or replaced under their ids.
    let plan = ok(infrac(&moto.url, &["plan", p], &[]));
    let line = |id: &str| {
        plan.lines()
            .find(|l| l.split_whitespace().nth(2) == Some(id))
            .unwrap_or_else(|| panic!("{id} in {plan}"))
            .to_string()
    };
    assert!(line("media").trim_start().starts_with('~'), "{plan}");
    assert!(
        line("on_thumbnail/role").trim_start().starts_with('~'),
        "{plan}"
    );
    assert!(plan.contains("imp-a-videos-by-hand"), "{plan}");

    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let s = state(dir.path(), "dev");
    assert_eq!(
        s.get("media").map(|r| r.physical_id.as_str()),
        Some("imp-a-videos-by-hand")
    );
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let object = sdk
            .s3
            .get_object()
            .bucket("imp-a-videos-by-hand")
            .key("old/video.mp4")
            .send()
            .await
            .expect("the bucket's object is still there");
        let body = object.body.collect().await.expect("body").into_bytes();
        assert_eq!(&body[..], b"frames");
        // The role now has the program's policy, not the one it was made with.
        let policies = sdk
            .iam
            .list_role_policies()
            .role_name(&role)
            .send()
            .await
            .expect("policies");
        assert!(
            !policies.policy_names().contains(&"theirs".to_string()),
            "{:?}",
            policies.policy_names()
        );
    });
    let plan = ok(infrac(&moto.url, &["plan", p], &[]));
    assert!(plan.contains("No changes"), "{plan}");
    // The bucket is the stack's now, and it holds data: destroy refuses to empty it unless
    // told to, before it deletes anything.
    let out = infrac(&moto.url, &["destroy", p, "--yes"], &[]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("bucket `media` (imp-a-videos-by-hand) still holds objects"),
        "{t}"
    );
    assert!(t.contains("nothing was changed"), "{t}");
}

#[test]
fn refused_imports_change_nothing_in_aws_or_the_state() {
    let Some(moto) = moto() else { return };
    let dir = thumbnailer("imp-b");
    let p = dir.path().to_str().expect("utf-8 path");
    let role = name_of(&planned_names(&moto.url, dir.path()), "on_thumbnail/role");
    let rt = runtime();
    let other_stack = tags_of(&[
        ("infrac:project", "imp-b"),
        ("infrac:stack", "prod"),
        ("infrac:id", "media"),
    ]);
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        foreign_bucket(&sdk, "imp-b-prod-media", &other_stack).await;
        foreign_bucket(&sdk, "imp-b-mine", &tags_of(&[])).await;
    });
    let refused = |args: &[&str], expected: &str| {
        let before = state_text(dir.path());
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        all.push(p);
        let out = infrac(&moto.url, &all, &[]);
        let t = text(&out);
        assert!(!out.status.success(), "{args:?}: {t}");
        assert!(t.contains(expected), "{args:?}: {t}");
        assert_eq!(state_text(dir.path()), before, "{args:?} changed the state");
    };
    refused(
        &["nothing/here", "x"],
        "error: the program has no resource `nothing/here`; the ids that can be imported are: ",
    );
    refused(
        &["media/notifications", "imp-b-mine"],
        "`media/notifications` cannot be imported: a aws:s3:BucketNotification carries no tags of its own and belongs with its aws:s3:Bucket: import that",
    );
    refused(
        &["on_thumbnail/role", "some-other-role"],
        &format!(
            "the program names `on_thumbnail/role` `{role}`, and AWS cannot rename a aws:iam:Role"
        ),
    );
    refused(
        &["on_thumbnail/role", &role],
        &format!(
            "there is no aws:iam:Role named `{role}` in account 123456789012 in region us-east-1"
        ),
    );
    refused(
        &["media", "imp-b-prod-media"],
        "`imp-b-prod-media` cannot be imported: check ownership failed: `imp-b-prod-media` (aws:s3:Bucket) already exists and does not belong to stack dev of project imp-b (its tags say stack prod of project imp-b",
    );
    rt.block_on(async {
        let sdk = sdk(&moto.url).await;
        let mut expected: Vec<String> = other_stack
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        expected.sort();
        assert_eq!(bucket_tags(&sdk, "imp-b-prod-media").await, expected);
    });
    // Once imported, a second import of the id is refused.
    ok(infrac(
        &moto.url,
        &["import", "media", "imp-b-mine", p],
        &[],
    ));
    refused(
        &["media", "imp-b-mine"],
        "`media` is in the state of stack dev already (imp-b-mine); nothing was imported",
    );
}
