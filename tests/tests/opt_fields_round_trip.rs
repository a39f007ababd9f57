//! End to end over the whole API: a fake Asana on loopback answers every `GET` operation of the all-tags
//! client (from the current upstream document) with a body holding a value for each of its `opt_fields`
//! paths, and the value `send()` decodes, encoded again, must still hold every one of them.
//!
//! The bodies are built from the document: each path is walked through the types lowering made of the
//! operation's response, and its value follows the type the document gives it (a date where it says
//! `format: date`, an enum's first value, an object carrying a union member's tag). The client, with a test
//! that calls each operation with every `opt_fields` value, is compiled in a scratch crate and run there.

mod scratch;

use std::fmt::Write as _;
use std::fs;

use generator::ir::{Api, Operation, ParamKind, ResponseBody, TypeRef};
use serde_json::{Map, Value, json};
use xtask::codegen::read_config;
use xtask::project_root;

/// The config users copy to generate the whole API.
const ALL_TAGS_CONFIG: &str = "spec/codegen-all-tags.toml";

/// The name of the scratch crate's library (`asana_client_` and the client's name in the scratch workspace).
const CRATE: &str = "asana_client_current";

#[test]
fn every_opt_fields_path_of_every_get_operation_survives_decoding() {
    let spec = xtask::upstream::current_spec()
        .unwrap_or_else(|missing| panic!("{missing}. This test generates the whole API from Asana's current document."));
    let config = read_config(&project_root().join(ALL_TAGS_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let text = fs::read_to_string(&spec).unwrap_or_else(|err| panic!("{}: {err}", spec.display()));
    let document = generator::load::Document::parse("asana_oas.yaml", &text).unwrap_or_else(|err| panic!("{err}"));
    let selection = generator::select::select(&document, &config).unwrap_or_else(|err| panic!("{err}"));
    let api = generator::lower::lower(&selection, &config, &mut Vec::new()).unwrap_or_else(|err| panic!("{err}"));
    let generated = generator::render(&api).unwrap_or_else(|err| panic!("{err}"));

    let mut calls = String::new();
    let mut operations = 0;
    let mut paths = 0;
    for operation in api.modules.iter().flat_map(|module| &module.operations) {
        if operation.http_method != "GET" || operation.opt_fields_reach.is_empty() {
            continue;
        }
        let call = call(&api, operation).unwrap_or_else(|| panic!("{}: no arguments can be built", operation.method_name));
        let (body, in_data) = body(&api, operation);
        let body = serde_json::to_string(&body).expect("JSON");
        writeln!(
            calls,
            "    check(&mut failures, &answer, {name:?}, r####\"{body}\"####, {in_data}, {call}.send()).await;",
            name = operation.method_name.as_str(),
        )
        .expect("write to a String");
        operations += 1;
        paths += operation.opt_fields_reach.len();
    }
    assert!(operations > 100, "the current document has {operations} GET operations with opt_fields");
    let source = ROUND_TRIP.replace("CRATE", CRATE).replace("    // CALLS\n", &calls);
    let output = scratch::test_client("opt-fields-round-trip", ("current".to_owned(), generated), &[("tests/round_trip.rs", source)], "round_trip")
        .unwrap_or_else(|output| panic!("the round trip failed:\n{output}"));
    println!("{operations} operations, {paths} opt_fields paths round-tripped\n{output}");
}

/// The call of an operation with made-up required arguments and every `opt_fields` value, or `None` when an
/// argument's type has no made-up value.
fn call(api: &Api, operation: &Operation) -> Option<String> {
    let mut arguments = Vec::new();
    let mut opt_fields = None;
    for param in &operation.params {
        match &param.kind {
            ParamKind::Scalar(ty) if param.required => arguments.push(argument(api, ty)?),
            ParamKind::List(ty) if param.required => arguments.push(format!("[{}]", argument(api, ty)?)),
            ParamKind::OptFields { set: Some(set) } => {
                let values = &api.opt_field_sets.get(set.set)?.values;
                let values: Vec<String> =
                    values.iter().map(|value| format!("{CRATE}::opt_fields::{}::{}", set.type_name, value.variant)).collect();
                opt_fields = Some(format!(".{}([{}])", param.name, values.join(", ")));
            }
            _ if param.required => return None,
            _ => {}
        }
    }
    Some(format!("client.{}({}){}", operation.method_name, arguments.join(", "), opt_fields?))
}

/// A made-up value for a required argument of type `ty`.
fn argument(api: &Api, ty: &TypeRef) -> Option<String> {
    Some(match ty {
        TypeRef::String => "\"1\"".to_owned(),
        TypeRef::Integer => "1".to_owned(),
        TypeRef::Number => "1.0".to_owned(),
        TypeRef::Boolean => "true".to_owned(),
        TypeRef::Date => "chrono::NaiveDate::default()".to_owned(),
        TypeRef::DateTime => "chrono::DateTime::<chrono::Utc>::default()".to_owned(),
        TypeRef::Secret => format!("{CRATE}::Secret::new(\"1\")"),
        TypeRef::Enum(name) => {
            let first = api.enums.iter().find(|e| &e.name == name)?.values.first()?;
            format!("{CRATE}::models::{name}::{}", first.variant)
        }
        _ => return None,
    })
}

/// The body the fake Asana answers with, and whether `send()` returns its `data` (else the whole body).
fn body(api: &Api, operation: &Operation) -> (Value, bool) {
    let sample = Sample { api };
    match &operation.response {
        ResponseBody::Data(ty) => {
            let mut data = Value::Null;
            for reach in &operation.opt_fields_reach {
                sample.place(ty, &reach.path.split('.').collect::<Vec<_>>(), &mut data, true);
            }
            sample.fill(ty, &mut data);
            (json!({ "data": data }), true)
        }
        ResponseBody::Whole(ty) => {
            let mut whole = Value::Null;
            let envelope = match ty {
                TypeRef::Model(name) => api.models.iter().find(|m| &m.name == name && m.fields.iter().any(|f| f.json_name == "data")),
                _ => None,
            };
            for reach in &operation.opt_fields_reach {
                let parts: Vec<&str> = reach.path.split('.').collect();
                let Some(envelope) = envelope else {
                    sample.place(ty, &parts, &mut whole, true);
                    continue;
                };
                let object = as_object(&mut whole);
                // Paths with a field beside `data` (`offset` in `next_page`) go there; the others into `data`.
                let sibling = envelope.fields.iter().filter(|f| f.json_name != "data").find(|field| {
                    let mut slot = object.get(&field.json_name).cloned().unwrap_or(Value::Null);
                    let placed = sample.place(&field.ty, &parts, &mut slot, false);
                    if placed {
                        object.insert(field.json_name.clone(), slot);
                    }
                    placed
                });
                if sibling.is_none() {
                    let data = envelope.fields.iter().find(|f| f.json_name == "data").expect("an envelope has data");
                    let slot = object.entry("data").or_insert(Value::Null);
                    sample.place(&data.ty, &parts, slot, true);
                }
            }
            sample.fill(ty, &mut whole);
            (whole, false)
        }
    }
}

/// Builds JSON values of the types lowering made of the document.
struct Sample<'a> {
    api: &'a Api,
}

impl Sample<'_> {
    /// Puts a value for the path `parts` into `slot`, a value of type `ty`; members no type describes are put
    /// only when `into_extra`. Returns whether it was put.
    fn place(&self, ty: &TypeRef, parts: &[&str], slot: &mut Value, into_extra: bool) -> bool {
        let Some((first, rest)) = parts.split_first() else { return false };
        match ty {
            TypeRef::List(item) => {
                if !matches!(slot, Value::Array(items) if !items.is_empty()) {
                    *slot = json!([null]);
                }
                let Value::Array(items) = slot else { return false };
                let mut item_slot = items[0].take();
                let placed = self.place(item, parts, &mut item_slot, into_extra);
                items[0] = item_slot;
                placed
            }
            TypeRef::Json => {
                free_form(parts, slot);
                true
            }
            TypeRef::Map(value) => {
                let entry = as_object(slot).entry(first.to_string()).or_insert(Value::Null);
                if rest.is_empty() {
                    *entry = self.leaf(value);
                    true
                } else {
                    self.place(value, rest, entry, into_extra)
                }
            }
            TypeRef::Model(name) => {
                if let Some(union) = self.api.unions.iter().find(|u| &u.name == name) {
                    // Objects of a tagged union decode by their tag; untagged ones as the first object member.
                    let member = as_object(slot).iter().find_map(|(key, value)| {
                        union.variants.iter().find(|v| v.tag.as_ref().is_some_and(|t| &t.property == key && value == &json!(t.value)))
                    });
                    let member = member.or_else(|| union.variants.iter().find(|v| matches!(&v.ty, TypeRef::Model(_))));
                    let Some(member) = member else { return false };
                    if let Some(tag) = &member.tag {
                        as_object(slot).insert(tag.property.clone(), json!(tag.value));
                    }
                    return self.place(&member.ty, parts, slot, into_extra);
                }
                let Some(model) = self.api.models.iter().find(|m| &m.name == name) else { return false };
                let object = as_object(slot);
                match model.fields.iter().find(|field| field.json_name == *first) {
                    Some(field) => {
                        let entry = object.entry(first.to_string()).or_insert(Value::Null);
                        if rest.is_empty() {
                            if entry.is_null() {
                                *entry = self.leaf(&field.ty);
                            }
                            true
                        } else {
                            self.place(&field.ty, rest, entry, into_extra)
                        }
                    }
                    None if into_extra => {
                        free_form(parts, slot);
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// A value of type `ty` for a path that ends here.
    fn leaf(&self, ty: &TypeRef) -> Value {
        match ty {
            TypeRef::String => json!("text"),
            TypeRef::Secret => json!("a secret"),
            TypeRef::DateTime => json!("2024-01-02T03:04:05Z"),
            TypeRef::Date => json!("2024-01-02"),
            TypeRef::Integer => json!(7),
            TypeRef::Number => json!(1.5),
            TypeRef::Boolean => json!(true),
            TypeRef::Json => json!({"free": "form"}),
            TypeRef::Enum(name) => {
                let values = self.api.enums.iter().find(|e| &e.name == name).map(|e| e.values.as_slice()).unwrap_or_default();
                values.first().map_or(json!("unknown"), |value| json!(value.wire))
            }
            TypeRef::Map(value) => json!({ "key": self.leaf(value) }),
            TypeRef::List(item) => json!([self.leaf(item)]),
            TypeRef::Model(name) => {
                let mut value = Value::Null;
                self.fill(&TypeRef::Model(name.clone()), &mut value);
                value
            }
        }
    }

    /// Makes `slot` a value of type `ty` where nothing was put (an empty object for a model, the first member
    /// of a union, with its tag), and fills required fields.
    fn fill(&self, ty: &TypeRef, slot: &mut Value) {
        match ty {
            TypeRef::Model(name) => {
                if let Some(union) = self.api.unions.iter().find(|u| &u.name == name) {
                    if slot.is_null() {
                        let Some(first) = union.variants.first() else { return };
                        *slot = match &first.tag {
                            Some(tag) => json!({ tag.property.clone(): tag.value }),
                            None => self.leaf(&first.ty),
                        };
                    }
                    return;
                }
                let Some(model) = self.api.models.iter().find(|m| &m.name == name) else { return };
                let object = as_object(slot);
                for field in model.fields.iter().filter(|f| f.presence == generator::ir::Presence::Required) {
                    let entry = object.entry(field.json_name.clone()).or_insert(Value::Null);
                    self.fill(&field.ty, entry);
                }
            }
            TypeRef::List(_) if slot.is_null() => *slot = json!([]),
            _ if slot.is_null() => *slot = self.leaf(ty),
            _ => {}
        }
    }
}

/// `slot` as an object, made one if it is not.
fn as_object(slot: &mut Value) -> &mut Map<String, Value> {
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(object) => object,
        _ => unreachable!("made an object above"),
    }
}

/// Puts `parts` as nested objects ending in a string into `slot`, for members no type describes.
fn free_form(parts: &[&str], slot: &mut Value) {
    let Some((first, rest)) = parts.split_first() else { return };
    let entry = as_object(slot).entry(first.to_string()).or_insert(Value::Null);
    if rest.is_empty() {
        if entry.is_null() {
            *entry = json!("kept");
        }
    } else {
        free_form(rest, entry);
    }
}

/// The test run inside the scratch crate. `CRATE` is replaced by the crate's name and `// CALLS` by one
/// `check` per operation.
const ROUND_TRIP: &str = r#"//! Each GET operation answered with a value for every opt_fields path; the decoded value,
//! encoded again, must hold all of them. Written by tests/tests/opt_fields_round_trip.rs.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers every request on `listener` with the JSON in `answer`.
async fn fake_asana(listener: tokio::net::TcpListener, answer: Arc<Mutex<String>>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let body = answer.lock().expect("not poisoned").clone();
        tokio::spawn(async move {
            let mut head = Vec::new();
            let mut buffer = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buffer[..n]),
                }
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

/// Where `got` lacks a value of `sent` (members, array items by position), by JSON pointer.
fn missing(sent: &Value, got: &Value, at: &str, out: &mut Vec<String>) {
    match (sent, got) {
        (Value::Object(sent), Value::Object(got)) => {
            for (key, value) in sent {
                let at = format!("{at}/{key}");
                match got.get(key) {
                    Some(got) => missing(value, got, &at, out),
                    None => out.push(at),
                }
            }
        }
        (Value::Array(sent), Value::Array(got)) => {
            for (index, value) in sent.iter().enumerate() {
                let at = format!("{at}/{index}");
                match got.get(index) {
                    Some(got) => missing(value, got, &at, out),
                    None => out.push(at),
                }
            }
        }
        (sent, got) if sent == got => {}
        (sent, got) => out.push(format!("{at} (sent {sent}, got {got})")),
    }
}

/// Sends one request answered with `body`, and notes what the decoded value, encoded again, lacks of the
/// body (of its `data` when `in_data`).
async fn check<T: serde::Serialize>(
    failures: &mut Vec<String>,
    answer: &Mutex<String>,
    operation: &str,
    body: &str,
    in_data: bool,
    send: impl std::future::Future<Output = Result<T, CRATE::Error>>,
) {
    *answer.lock().expect("not poisoned") = body.to_owned();
    let body: Value = serde_json::from_str(body).expect("the body is JSON");
    let sent = if in_data { &body["data"] } else { &body };
    match send.await.map(|value| serde_json::to_value(&value)) {
        Err(error) => failures.push(format!("{operation}: {error}")),
        Ok(Err(error)) => failures.push(format!("{operation}: encoding failed: {error}")),
        Ok(Ok(got)) => {
            let mut lost = Vec::new();
            missing(sent, &got, "", &mut lost);
            if !lost.is_empty() {
                failures.push(format!("{operation}: {}", lost.join(", ")));
            }
        }
    }
}

#[tokio::test]
async fn every_opt_fields_path_survives_decoding_and_encoding() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    let answer = Arc::new(Mutex::new(String::new()));
    tokio::spawn(fake_asana(listener, answer.clone()));
    let client = CRATE::Client::builder()
        .token("0/round-trip")
        .base_url(format!("http://{address}"))
        .build()
        .expect("a client");
    let mut failures = Vec::new();
    // CALLS
    assert!(failures.is_empty(), "{} operations lose opt_fields values:\n{}", failures.len(), failures.join("\n"));
}
"#;
