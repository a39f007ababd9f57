//! The API surface of a generated client, as downstream code sees it, and the changes between two.
//!
//! The surface is written next to the generated code (`generated/api-surface.json`) so that a later run
//! can tell what a spec update changes for callers: `cargo xtask codegen` prints the difference between
//! the checked-in surface and the new one, and `cargo xtask diff OLD NEW` between any two specs.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Escaped;
use crate::ir::{Api, Field, OptFieldReach, ParamKind, ParamLocation, Presence, Reach, ResponseBody, TypeRef};

/// Path of the surface file inside the generated crate.
pub const SURFACE_FILE: &str = "api-surface.json";

/// The first member of a surface file, which marks it as generated (JSON has no comments): only a file
/// carrying it is ever replaced.
pub const MARKER_MEMBER: &str = "@generated";
/// The value of [`MARKER_MEMBER`].
pub const MARKER: &str = "by `cargo xtask codegen`; do not edit";

/// A surface as written to its file: the marker, then the surface's own members.
#[derive(Serialize)]
struct MarkedSurface<'a> {
    #[serde(rename = "@generated")]
    marker: &'static str,
    #[serde(flatten)]
    surface: &'a Surface,
}

/// Everything downstream code can depend on, keyed by Rust names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Surface {
    /// Operations by `Client` method name.
    pub operations: BTreeMap<String, OperationSurface>,
    /// Models by type name: field name -> Rust type as written in the struct.
    pub models: BTreeMap<String, BTreeMap<String, String>>,
    /// String enums by type name: their values on the wire.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, Vec<String>>,
    /// Unions by type name: their variants.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unions: BTreeMap<String, Vec<String>>,
}

/// One operation as callers use it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OperationSurface {
    /// `GET /webhooks/{webhook_gid}`.
    pub endpoint: String,
    /// Parameters and request body fields by Rust name: `required <type>` (positional) or `optional <type>`
    /// (builder method), with their place (`(path)`, `(form)`, `(body)`) unless in the query.
    pub params: BTreeMap<String, String>,
    /// Type of the request body's `data`, if any.
    pub body: Option<String>,
    /// What `send()` returns.
    pub returns: String,
    /// Whether `.pages()` / `.items()` exist.
    pub paginated: bool,
    /// Required OAuth scopes.
    pub scopes: Vec<String>,
    /// Typed `opt_fields` values (empty when only raw paths are accepted).
    pub opt_fields: Vec<String>,
    /// Where each typed `opt_fields` value lands in the response: `Model.field`, `Model.extra` (the model's
    /// map of undescribed members), `json` (inside a free-form value) or `dropped`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub opt_fields_reach: BTreeMap<String, String>,
}

impl Surface {
    /// The surface of an IR.
    pub fn of(api: &Api) -> Surface {
        let mut surface = Surface::default();
        for model in &api.models {
            let extra = model.extra.iter().map(|extra| (extra.to_string(), "ExtraFields".to_owned()));
            let fields = model.fields.iter().map(|field| (field.name.to_string(), field_type(field))).chain(extra).collect();
            surface.models.insert(model.name.to_string(), fields);
        }
        for string_enum in &api.enums {
            surface.enums.insert(string_enum.name.to_string(), string_enum.values.iter().map(|v| v.wire.clone()).collect());
        }
        for union in &api.unions {
            surface.unions.insert(union.name.to_string(), union.variants.iter().map(|v| v.name.to_string()).collect());
        }
        for operation in api.modules.iter().flat_map(|module| &module.operations) {
            let params = operation.params.iter().map(|param| {
                let ty = match &param.kind {
                    ParamKind::Scalar(ty) => rust_type(ty),
                    ParamKind::List(item) => format!("Vec<{}>", rust_type(item)),
                    ParamKind::File => "Upload".to_owned(),
                    ParamKind::OptFields { .. } => "opt_fields".to_owned(),
                };
                let place = match param.location {
                    ParamLocation::Path => " (path)",
                    ParamLocation::Query => "",
                    ParamLocation::Form => " (form)",
                };
                let requirement = if param.required { "required" } else { "optional" };
                (param.name.to_string(), format!("{requirement} {ty}{place}"))
            });
            // A body's fields are set like parameters, so they are compared like them.
            let body_fields = operation.body.iter().flat_map(|body| &body.fields).map(|field| {
                let requirement = if field.required { "required" } else { "optional" };
                (field.name.to_string(), format!("{requirement} {} (body)", rust_type(&field.ty)))
            });
            let params = params.chain(body_fields);
            let opt_fields = operation.params.iter().find_map(|param| match &param.kind {
                ParamKind::OptFields { set: Some(set) } => api.opt_field_sets.get(set.set),
                _ => None,
            });
            surface.operations.insert(operation.method_name.to_string(), OperationSurface {
                endpoint: format!("{} {}", operation.http_method, operation.path),
                params: params.collect(),
                body: operation.body.as_ref().map(|body| rust_type(&body.ty)),
                returns: match &operation.response {
                    ResponseBody::Data(ty) | ResponseBody::Whole(ty) => rust_type(ty),
                },
                paginated: operation.pagination.is_some(),
                scopes: operation.scopes.clone(),
                opt_fields: opt_fields.map(|set| set.values.iter().map(|v| v.path.clone()).collect()).unwrap_or_default(),
                opt_fields_reach: operation.opt_fields_reach.iter().map(|r| (r.path.clone(), place(api, r))).collect(),
            });
        }
        surface
    }

    /// Pretty JSON, stable across runs (maps are sorted), starting with the [`MARKER_MEMBER`] and ending with a
    /// newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(&MarkedSurface { marker: MARKER, surface: self }).unwrap_or_default();
        json.push('\n');
        json
    }

    /// Whether `text` is a surface file that codegen wrote: a JSON object whose [`MARKER_MEMBER`] is [`MARKER`].
    pub fn is_generated(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|value| value.get(MARKER_MEMBER).and_then(serde_json::Value::as_str) == Some(MARKER))
    }

    /// Reads a surface file's text.
    pub fn from_json(text: &str) -> Result<Surface, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Where an `opt_fields` path lands, as the surface file writes it.
fn place(api: &Api, reach: &OptFieldReach) -> String {
    let last = reach.path.rsplit('.').next().unwrap_or_default();
    match &reach.reach {
        Reach::Field { model } => {
            let field = api.models.iter().find(|m| &m.name == model)
                .and_then(|m| m.fields.iter().find(|f| f.json_name == last))
                .map_or_else(|| last.to_owned(), |f| f.name.to_string());
            format!("{model}.{field}")
        }
        Reach::Extra { model } => {
            let extra = api.models.iter().find(|m| &m.name == model).and_then(|m| m.extra.as_ref());
            format!("{model}.{}", extra.map_or("extra", |e| e.as_str()))
        }
        Reach::Json => "json".to_owned(),
        Reach::Dropped => DROPPED.to_owned(),
    }
}

/// The place of an `opt_fields` path that decoding drops.
const DROPPED: &str = "dropped";

fn field_type(field: &Field) -> String {
    let ty = if field.boxed { format!("Box<{}>", rust_type(&field.ty)) } else { rust_type(&field.ty) };
    match field.presence {
        Presence::Required => ty,
        Presence::Optional => format!("Option<{ty}>"),
    }
}

fn rust_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".to_owned(),
        TypeRef::Secret => "Secret".to_owned(),
        TypeRef::DateTime => "DateTime<Utc>".to_owned(),
        TypeRef::Date => "NaiveDate".to_owned(),
        TypeRef::Integer => "i64".to_owned(),
        TypeRef::Number => "f64".to_owned(),
        TypeRef::Boolean => "bool".to_owned(),
        TypeRef::Json => "serde_json::Value".to_owned(),
        TypeRef::Model(name) | TypeRef::Enum(name) => name.to_string(),
        TypeRef::Map(value) => format!("BTreeMap<String, {}>", rust_type(value)),
        TypeRef::List(item) => format!("Vec<{}>", rust_type(item)),
    }
}

/// Whether downstream code that compiled before may stop compiling (or behaving) after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing callers may break.
    Breaking,
    /// Only adds; existing callers keep compiling.
    Additive,
}

/// One difference between two surfaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Breaking or additive.
    pub impact: Impact,
    /// What changed, e.g. "operation `get_webhooks`: parameter `limit` added (optional i64)".
    pub description: String,
}

/// The changes from `old` to `new`, breaking ones first.
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut push = |impact, description: String| changes.push(Change { impact, description });
    for (name, op) in &old.operations {
        let Some(new_op) = new.operations.get(name) else {
            push(Impact::Breaking, format!("operation `{name}` ({}) removed", op.endpoint));
            continue;
        };
        let at = format!("operation `{name}`");
        if op.endpoint != new_op.endpoint {
            push(Impact::Breaking, format!("{at}: endpoint changed from `{}` to `{}`", op.endpoint, new_op.endpoint));
        }
        for (param, ty) in &op.params {
            match new_op.params.get(param) {
                None => push(Impact::Breaking, format!("{at}: parameter `{param}` removed (was {ty})")),
                Some(new_ty) if new_ty != ty => push(Impact::Breaking, format!("{at}: parameter `{param}` changed from {ty} to {new_ty}")),
                Some(_) => {}
            }
        }
        for (param, ty) in new_op.params.iter().filter(|(p, _)| !op.params.contains_key(*p)) {
            let impact = if ty.starts_with("required") { Impact::Breaking } else { Impact::Additive };
            push(impact, format!("{at}: parameter `{param}` added ({ty})"));
        }
        if op.body != new_op.body {
            push(Impact::Breaking, format!("{at}: request body changed from {} to {}", or_none(&op.body), or_none(&new_op.body)));
        }
        if op.returns != new_op.returns {
            push(Impact::Breaking, format!("{at}: returns {} instead of {}", new_op.returns, op.returns));
        }
        match (op.paginated, new_op.paginated) {
            (true, false) => push(Impact::Breaking, format!("{at}: no longer paginated (`.pages()`/`.items()` removed)")),
            (false, true) => push(Impact::Additive, format!("{at}: now paginated (`.pages()`, `.items()`, `.max_items()`)")),
            _ => {}
        }
        if op.scopes != new_op.scopes {
            // A token without the newly required scope is refused at run time.
            push(Impact::Breaking, format!("{at}: OAuth scopes changed from [{}] to [{}]", op.scopes.join(", "), new_op.scopes.join(", ")));
        }
        let removed: Vec<&str> = op.opt_fields.iter().filter(|v| !new_op.opt_fields.contains(v)).map(String::as_str).collect();
        if !removed.is_empty() {
            push(Impact::Breaking, format!("{at}: opt_fields values removed: {}", removed.join(", ")));
        }
        let added: Vec<&str> = new_op.opt_fields.iter().filter(|v| !op.opt_fields.contains(v)).map(String::as_str).collect();
        if !added.is_empty() {
            push(Impact::Additive, format!("{at}: opt_fields values added: {}", added.join(", ")));
        }
        for (path, place) in &new_op.opt_fields_reach {
            // A place that did not exist is an added value (reported above) unless it is dropped.
            let old_place = op.opt_fields_reach.get(path).map_or("", String::as_str);
            if old_place == place || (old_place.is_empty() && place != DROPPED) {
                continue;
            }
            // Code that read the value where it was stops finding it there; a value that was dropped breaks
            // nobody by landing somewhere.
            let impact = if old_place == DROPPED || old_place.is_empty() { Impact::Additive } else { Impact::Breaking };
            let impact = if place == DROPPED { Impact::Breaking } else { impact };
            let was = if old_place.is_empty() { String::new() } else { format!(" (was {old_place})") };
            push(impact, format!("{at}: opt_fields `{path}` lands in {place}{was}"));
        }
    }
    for (name, op) in new.operations.iter().filter(|(name, _)| !old.operations.contains_key(*name)) {
        push(Impact::Additive, format!("operation `{name}` ({}) added", op.endpoint));
    }
    for (name, fields) in &old.models {
        let Some(new_fields) = new.models.get(name) else {
            push(Impact::Breaking, format!("model `{name}` removed"));
            continue;
        };
        for (field, ty) in fields {
            match new_fields.get(field) {
                None => push(Impact::Breaking, format!("model `{name}`: field `{field}` removed (was {ty})")),
                Some(new_ty) if new_ty != ty => push(Impact::Breaking, format!("model `{name}`: field `{field}` retyped from {ty} to {new_ty}")),
                Some(_) => {}
            }
        }
        for (field, ty) in new_fields.iter().filter(|(f, _)| !fields.contains_key(*f)) {
            // New optional fields keep `..Default::default()` construction and decoding working.
            let impact = if ty.starts_with("Option<") { Impact::Additive } else { Impact::Breaking };
            push(impact, format!("model `{name}`: field `{field}` added ({ty})"));
        }
    }
    for name in new.models.keys().filter(|name| !old.models.contains_key(*name)) {
        push(Impact::Additive, format!("model `{name}` added"));
    }
    diff_members("enum", "values", &old.enums, &new.enums, &mut push);
    diff_members("union", "variants", &old.unions, &new.unions, &mut push);
    changes.sort();
    changes
}

/// Enums and unions: a type or member removed breaks callers that name it; one added breaks nobody, since
/// every generated string enum and union is `#[non_exhaustive]` (downstream `match`es already have a
/// wildcard arm) and a received value that was `Unknown` or `Other` before gets its own variant.
fn diff_members(
    kind: &str,
    members: &str,
    old: &BTreeMap<String, Vec<String>>,
    new: &BTreeMap<String, Vec<String>>,
    push: &mut impl FnMut(Impact, String),
) {
    for (name, old_members) in old {
        let Some(new_members) = new.get(name) else {
            push(Impact::Breaking, format!("{kind} `{name}` removed"));
            continue;
        };
        let removed: Vec<&str> = old_members.iter().filter(|m| !new_members.contains(m)).map(String::as_str).collect();
        if !removed.is_empty() {
            push(Impact::Breaking, format!("{kind} `{name}`: {members} removed: {}", removed.join(", ")));
        }
        let added: Vec<&str> = new_members.iter().filter(|m| !old_members.contains(m)).map(String::as_str).collect();
        if !added.is_empty() {
            push(Impact::Additive, format!("{kind} `{name}`: {members} added: {}", added.join(", ")));
        }
    }
    for name in new.keys().filter(|name| !old.contains_key(*name)) {
        push(Impact::Additive, format!("{kind} `{name}` added"));
    }
}

fn or_none(body: &Option<String>) -> &str {
    body.as_deref().unwrap_or("none")
}

/// A report of changes, one per line, with a count line first; "no API changes" when empty.
pub struct Report<'a>(pub &'a [Change]);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "API surface: no changes");
        }
        let breaking = self.0.iter().filter(|c| c.impact == Impact::Breaking).count();
        writeln!(f, "API surface: {breaking} breaking, {} additive change(s)", self.0.len() - breaking)?;
        for change in self.0 {
            let label = match change.impact {
                Impact::Breaking => "breaking",
                Impact::Additive => "additive",
            };
            // Descriptions quote the spec's names and values.
            writeln!(f, "  {label}  {}", Escaped(&change.description))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_removed_break_callers_and_added_ones_do_not() {
        let old = Surface { enums: BTreeMap::from([("Subtype".to_owned(), vec!["task".to_owned(), "milestone".to_owned()])]), ..Surface::default() };
        let new = Surface { enums: BTreeMap::from([("Subtype".to_owned(), vec!["task".to_owned(), "approval".to_owned()])]), ..Surface::default() };
        let changes: Vec<(Impact, String)> = diff(&old, &new).into_iter().map(|c| (c.impact, c.description)).collect();
        assert_eq!(changes, [
            (Impact::Breaking, "enum `Subtype`: values removed: milestone".to_owned()),
            (Impact::Additive, "enum `Subtype`: values added: approval".to_owned()),
        ]);
        let gone = diff(&new, &Surface::default());
        assert_eq!(gone[0].description, "enum `Subtype` removed");
    }

    /// Added enum values and union variants are reported as additive: every enum and union the surface lists
    /// must be `#[non_exhaustive]` in the generated code, or an exhaustive downstream `match` would break.
    #[test]
    fn every_enum_and_union_of_the_surface_is_non_exhaustive_in_the_code() {
        let spec = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a:
    put:
      tags: [A]
      operationId: putA
      parameters:
        - {name: sort, in: query, schema: {type: string, enum: [asc, desc]}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {data: {type: object, properties: {kind: {type: string, enum: [x, y]}}}}}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: object
                    properties:
                      state: {type: string, enum: [open, closed]}
                      owner: {oneOf: [{type: string}, {type: object, properties: {name: {type: string}}}]}
";
        let generated = crate::generate("t.yaml", spec, &crate::Config::for_tags(["A"])).expect("generates");
        let models = &generated.files.iter().find(|f| f.path == "src/api/models.rs").expect("models.rs").contents;
        let names: Vec<&String> = generated.surface.enums.keys().chain(generated.surface.unions.keys()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        for name in names {
            assert!(models.contains(&format!("#[non_exhaustive]\npub enum {name} {{")), "`{name}` may not grow additively:\n{models}");
        }
    }

    #[test]
    fn union_variants_added_are_additive() {
        let old = Surface { unions: BTreeMap::from([("Owner".to_owned(), vec!["Gid".to_owned()])]), ..Surface::default() };
        let new = Surface { unions: BTreeMap::from([("Owner".to_owned(), vec!["Gid".to_owned(), "User".to_owned()])]), ..Surface::default() };
        let changes: Vec<(Impact, String)> = diff(&old, &new).into_iter().map(|c| (c.impact, c.description)).collect();
        assert_eq!(changes, [(Impact::Additive, "union `Owner`: variants added: User".to_owned())]);
        assert_eq!(diff(&new, &old)[0].impact, Impact::Breaking);
    }

    #[test]
    fn the_report_is_one_line_per_change_whatever_the_values() {
        let old = Surface { enums: BTreeMap::from([("Subtype".to_owned(), vec!["a\r\n  additive  forged".to_owned()])]), ..Surface::default() };
        let changes = Report(&diff(&old, &Surface { enums: BTreeMap::from([("Subtype".to_owned(), vec![])]), ..Surface::default() })).to_string();
        assert!(changes.contains(r"a\r\n  additive  forged") && changes.lines().count() == 2, "{changes}");
    }

    #[test]
    fn opt_fields_that_move_are_reported_and_dropping_one_breaks_callers() {
        let surface = |reach: &[(&str, &str)]| {
            let op = OperationSurface {
                opt_fields_reach: reach.iter().map(|(p, r)| ((*p).to_owned(), (*r).to_owned())).collect(),
                ..OperationSurface::default()
            };
            Surface { operations: BTreeMap::from([("get_tasks".to_owned(), op)]), ..Surface::default() }
        };
        let old = surface(&[("due_on", "TaskCompact.extra"), ("name", "TaskCompact.name"), ("notes", DROPPED)]);
        let new = surface(&[("due_on", "TaskResponse.due_on"), ("name", DROPPED), ("notes", "TaskResponse.notes")]);
        let changes: Vec<(Impact, String)> = diff(&old, &new).into_iter().map(|c| (c.impact, c.description)).collect();
        assert_eq!(changes, [
            (Impact::Breaking, "operation `get_tasks`: opt_fields `due_on` lands in TaskResponse.due_on (was TaskCompact.extra)".to_owned()),
            (Impact::Breaking, "operation `get_tasks`: opt_fields `name` lands in dropped (was TaskCompact.name)".to_owned()),
            (Impact::Additive, "operation `get_tasks`: opt_fields `notes` lands in TaskResponse.notes (was dropped)".to_owned()),
        ]);
    }

    #[test]
    fn surfaces_without_enums_or_unions_keep_their_json() {
        let surface = Surface::default();
        assert_eq!(
            surface.to_json(),
            "{\n  \"@generated\": \"by `cargo xtask codegen`; do not edit\",\n  \"operations\": {},\n  \"models\": {}\n}\n"
        );
        assert_eq!(Surface::from_json(&surface.to_json()).ok(), Some(surface));
    }
}
