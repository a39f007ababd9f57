//! What generated unions and enums do at run time: the `unions.yaml` and `enums.yaml` fixtures are generated,
//! put in a scratch crate under `target/` with the decoding checks below, and that crate's tests are run.
//! The snapshots show the code; this shows that it decodes what Asana sends and keeps unknown values.

use std::fs;
use std::process::Command;

use generator::Config;
use xtask::project_root;

/// The `models.rs` generated from a fixture.
fn models_of(fixture: &str, tag: &str) -> String {
    let path = project_root().join("tests/fixtures").join(fixture);
    let spec = fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let config = Config { tags: vec![tag.to_owned()], extra_schemas: Vec::new(), skip: Vec::new() };
    let generated = generator::generate(fixture, &spec, &config).unwrap_or_else(|err| panic!("{fixture}: {err}"));
    let models = generated.files.iter().find(|f| f.path == "src/api/models.rs").expect("a models file");
    models.contents.clone()
}

const CHECKS: &str = r#"
use type_space_check::enums::{Health, Priority, TaskSubtype};
use type_space_check::unions::{Access, Membership, Pricing, WidgetCreateOwner};
use serde_json::json;

#[test]
fn objects_decode_as_the_variant_their_subtype_names() {
    let team: Membership = serde_json::from_value(json!({"resource_subtype": "team_membership", "team": "7"})).unwrap();
    let Membership::Team(team) = team else { panic!("{team:?}") };
    assert_eq!(team.team.as_deref(), Some("7"));
    let user: Membership = serde_json::from_value(json!({"resource_subtype": "user_membership", "user": "8"})).unwrap();
    assert!(matches!(user, Membership::User(_)), "{user:?}");
}

#[test]
fn a_member_without_a_subtype_is_matched_by_its_type() {
    let invitation: Access = serde_json::from_value(json!({"resource_type": "invitation", "email": "a@b.c"})).unwrap();
    let Access::Invitation(invitation) = invitation else { panic!("{invitation:?}") };
    assert_eq!(invitation.email.as_deref(), Some("a@b.c"));
    let user: Access = serde_json::from_value(json!({"resource_type": "membership", "resource_subtype": "user_membership"})).unwrap();
    assert!(matches!(user, Access::UserMembership(_)), "{user:?}");
}

#[test]
fn what_no_variant_describes_is_kept_as_raw_json() {
    let guest = json!({"resource_subtype": "guest_membership", "guest": "9"});
    let decoded: Membership = serde_json::from_value(guest.clone()).unwrap();
    assert_eq!(decoded, Membership::Other(guest.clone()));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), guest);
    let odd: Membership = serde_json::from_value(json!("a string")).unwrap();
    assert_eq!(odd, Membership::Other(json!("a string")));
}

#[test]
fn a_member_with_a_field_of_an_unexpected_type_is_kept_as_raw_json() {
    let odd = json!({"resource_subtype": "team_membership", "team": 12});
    let decoded: Membership = serde_json::from_value(odd.clone()).unwrap();
    assert_eq!(decoded, Membership::Other(odd.clone()));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), odd);
    let in_a_list: Vec<Membership> = serde_json::from_value(json!([odd, {"resource_subtype": "user_membership", "user": "8"}])).unwrap();
    assert!(matches!(in_a_list[1], Membership::User(_)), "{in_a_list:?}");
}

#[test]
fn look_alike_members_decode_as_the_first() {
    let price: Pricing = serde_json::from_value(json!({"amount": 12.5})).unwrap();
    assert!(matches!(price, Pricing::Fixed(_)), "{price:?}");
}

#[test]
fn a_gid_or_an_object_is_told_apart_by_shape_and_sent_as_it_is() {
    let gid: WidgetCreateOwner = "4242".into();
    assert_eq!(serde_json::to_value(&gid).unwrap(), json!("4242"));
    let object: WidgetCreateOwner = serde_json::from_value(json!({"name": "Ada"})).unwrap();
    assert!(matches!(object, WidgetCreateOwner::Object(_)), "{object:?}");
    assert_eq!(serde_json::to_value(&object).unwrap(), json!({"name": "Ada"}));
    assert_eq!(serde_json::from_value::<WidgetCreateOwner>(json!("4242")).unwrap(), gid);
}

#[test]
fn received_enums_keep_values_they_do_not_know() {
    assert_eq!(serde_json::from_value::<TaskSubtype>(json!("milestone")).unwrap(), TaskSubtype::Milestone);
    let new: TaskSubtype = serde_json::from_value(json!("brand_new_kind")).unwrap();
    assert_eq!(new, TaskSubtype::Unknown("brand_new_kind".to_owned()));
    assert_eq!(serde_json::to_value(&new).unwrap(), json!("brand_new_kind"));
    assert_eq!(new.to_string(), "brand_new_kind");
    assert_eq!(serde_json::from_value::<Health>(json!("unknown")).unwrap(), Health::Unknown);
    assert_eq!(serde_json::from_value::<Health>(json!("meh")).unwrap(), Health::UnknownValue("meh".to_owned()));
}

#[test]
fn sent_only_enums_refuse_values_they_do_not_know() {
    assert_eq!(serde_json::to_value(Priority::High).unwrap(), json!("high"));
    assert!(serde_json::from_value::<Priority>(json!("urgent")).is_err());
}
"#;

#[test]
fn generated_unions_and_enums_decode_what_asana_sends() {
    let root = project_root();
    let dir = root.join("target/scratch-type-space");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).expect("create scratch crate");
    fs::create_dir_all(dir.join("tests")).expect("create scratch crate");
    let manifest = "[package]\nname = \"type-space-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                    [dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"\n\n[workspace]\n";
    fs::write(dir.join("Cargo.toml"), manifest).expect("write manifest");
    // The workspace's lock file pins the same serde versions the client uses, so this builds offline.
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    // Received models keep undescribed members with the runtime's `ExtraFields`.
    fs::write(dir.join("src/lib.rs"), "pub mod enums;\npub mod unions;\nmod runtime;\npub use runtime::ExtraFields;\n").expect("write lib.rs");
    fs::create_dir_all(dir.join("src/runtime")).expect("create scratch crate");
    fs::write(dir.join("src/runtime.rs"), "mod extra;\npub use extra::ExtraFields;\npub(crate) use extra::{DecodeObject, decode_object};\n")
        .expect("write runtime.rs");
    fs::copy(root.join("generated/src/runtime/extra.rs"), dir.join("src/runtime/extra.rs")).expect("copy extra.rs");
    fs::write(dir.join("src/unions.rs"), models_of("unions.yaml", "Widgets")).expect("write unions.rs");
    fs::write(dir.join("src/enums.rs"), models_of("enums.yaml", "Tasks")).expect("write enums.rs");
    fs::write(dir.join("tests/decode.rs"), CHECKS).expect("write checks");
    let output = Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join("target/scratch-type-space-target"))
        .output()
        .expect("run cargo test");
    assert!(
        output.status.success(),
        "the generated types do not behave:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
