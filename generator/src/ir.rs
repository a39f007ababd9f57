//! The intermediate representation: plain data describing the Rust to emit, free of OpenAPI details.
//!
//! Lowering builds it from a spec; tests may build it by hand. Names in it are final Rust names, checked once
//! by [`crate::names`] ([`RustIdent`], [`TypeName`]).

pub use crate::names::{RustIdent, TypeName};

/// Everything the generated crate's `api` module contains.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Api {
    /// Source document file name, for the generated header.
    pub source_file: String,
    /// Hex SHA-256 of the source document.
    pub source_sha256: String,
    /// Model structs, sorted by name.
    pub models: Vec<Model>,
    /// Enums of string values, sorted by name.
    pub enums: Vec<StringEnum>,
    /// Types that hold one of several shapes (`oneOf` / `anyOf`), sorted by name.
    pub unions: Vec<Union>,
    /// Typed `opt_fields` value sets, in order of first use.
    pub opt_field_sets: Vec<OptFieldSet>,
    /// One module per selected tag, in configuration order.
    pub modules: Vec<Module>,
}

/// A module of operations generated from one tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// Rust module name (`webhooks`).
    pub name: RustIdent,
    /// Module documentation.
    pub doc: String,
    /// Operations, in document order.
    pub operations: Vec<Operation>,
}

/// A struct generated from a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Rust type name.
    pub name: TypeName,
    /// Documentation.
    pub doc: String,
    /// Which side of the wire uses it; derives and constructors follow from it.
    pub usage: Usage,
    /// Fields in schema order.
    pub fields: Vec<Field>,
    /// Set when the model is one page of a paginated list.
    pub page: Option<PageOf>,
    /// Whether it derives `Default`: not a sent model with required fields, whose default would be a request
    /// Asana rejects, nor one with a field that has no default.
    pub derives_default: bool,
    /// Rust name of the map that keeps, on a received model, every member of the object that no field
    /// describes (a path the document lists under `opt_fields` without a property, or a field Asana added
    /// after the document): decoding never drops what Asana sends. `None` on models that are only sent.
    pub extra: Option<RustIdent>,
}

/// Which side of the wire a generated type is used on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// Only sent: required properties are plain fields, and there is no `Default` that would build an
    /// invalid request.
    Request,
    /// Only received: every property may be absent or null.
    Response,
    /// Sent and received with the same shape (no required, read-only or write-only properties).
    Both,
}

impl Usage {
    /// Whether values of the type are decoded from Asana's answers.
    pub fn is_received(self) -> bool {
        matches!(self, Usage::Response | Usage::Both)
    }

    /// Whether values of the type are sent to Asana.
    pub fn is_sent(self) -> bool {
        matches!(self, Usage::Request | Usage::Both)
    }

    /// The usage of a type used both as `self` and as `other`.
    #[must_use]
    pub fn and(self, other: Usage) -> Usage {
        if self == other { self } else { Usage::Both }
    }
}

/// How a list response model exposes its items and its next page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageOf {
    /// Rust name of the field holding the items (a `Vec`).
    pub items_field: RustIdent,
    /// The items' type.
    pub item: TypeRef,
    /// Rust name of the field holding the next-page object.
    pub next_page_field: RustIdent,
    /// Rust name of the offset field inside the next-page object.
    pub offset_field: RustIdent,
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust field name.
    pub name: RustIdent,
    /// Name on the wire; a serde rename is emitted when it differs from `name`.
    pub json_name: String,
    /// Documentation.
    pub doc: String,
    /// The value's type, without the `Option` that `presence` may add.
    pub ty: TypeRef,
    /// Whether the field is always there.
    pub presence: Presence,
    /// Stored behind a `Box` because the model contains itself through this field.
    pub boxed: bool,
    /// The chained setter of a sent model's optional field (`set_new` for a field named `new`, which the
    /// constructor takes); `None` when the model has none for it.
    pub setter: Option<RustIdent>,
}

/// A string schema with an `enum`: one variant per value.
#[derive(Debug, Clone, PartialEq)]
pub struct StringEnum {
    /// Rust type name.
    pub name: TypeName,
    /// Documentation.
    pub doc: String,
    /// Received enums get an `Unknown(String)` variant, so that a value added to the API later still decodes
    /// (and encodes back unchanged); enums that are only sent have none.
    pub usage: Usage,
    /// The values, in spec order.
    pub values: Vec<EnumValue>,
    /// Name of the `Unknown(String)`-style variant of received enums (`Unknown`, unless a value took it).
    pub unknown_variant: TypeName,
}

/// One value of a [`StringEnum`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// Variant name (`DefaultTask`).
    pub variant: TypeName,
    /// The value on the wire (`default_task`).
    pub wire: String,
}

/// A value that is one of several types (`oneOf` / `anyOf`).
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// Rust type name.
    pub name: TypeName,
    /// Documentation.
    pub doc: String,
    /// Which side of the wire uses it.
    pub usage: Usage,
    /// The variants, in spec order; anything else decodes as the raw JSON fallback variant.
    pub variants: Vec<UnionVariant>,
    /// Name of the variant holding raw JSON (`Other`, unless a member took it).
    pub fallback: TypeName,
}

/// One variant of a [`Union`].
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Variant name.
    pub name: TypeName,
    /// The type it holds.
    pub ty: TypeRef,
    /// The JSON shape it decodes from.
    pub shape: Shape,
    /// For an object variant, the property value that selects it, when the spec gives each object variant
    /// one; without tags, objects decode as the first object variant.
    pub tag: Option<Tag>,
    /// Stored behind a `Box`, so that a large struct does not make every value of the union as large.
    pub boxed: bool,
}

/// An object property value that selects a union variant (`resource_subtype` = `goal_membership`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Property name on the wire.
    pub property: String,
    /// The value that selects the variant.
    pub value: String,
}

/// The kind of JSON value a union variant is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON array.
    Array,
    /// A JSON object.
    Object,
}

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always present: a plain `T`. Request-side required properties and the `data` of envelopes.
    Required,
    /// `Option<T>`: absent or `null` on the wire both read as `None`; `None` is not serialized.
    Optional,
}

/// The Rust type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `crate::Secret`: a string that must not show up in logs.
    Secret,
    /// `chrono::DateTime<chrono::Utc>` (`format: date-time`).
    DateTime,
    /// `chrono::NaiveDate` (`format: date`).
    Date,
    /// `i64`.
    Integer,
    /// `f64`.
    Number,
    /// `bool`.
    Boolean,
    /// `serde_json::Value`, for free-form values.
    Json,
    /// A generated model, enum or union, by Rust name.
    Model(TypeName),
    /// A generated string enum, by Rust name (usable wherever a scalar is, as it displays as its value).
    Enum(TypeName),
    /// `BTreeMap<String, T>`, for objects with arbitrary keys (`additionalProperties`).
    Map(Box<TypeRef>),
    /// `Vec<T>`.
    List(Box<TypeRef>),
}

/// One API operation: a method on `Client` plus its request builder.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The spec's operationId (`getWebhooks`), sent along for errors and tracing.
    pub operation_id: String,
    /// `Client` method name (`get_webhooks`).
    pub method_name: RustIdent,
    /// Request builder type name (`GetWebhooks`).
    pub builder_name: TypeName,
    /// Uppercase HTTP method.
    pub http_method: String,
    /// Path template as in the spec (`/webhooks/{webhook_gid}`), for docs.
    pub path: String,
    /// The path template, parsed: literal text and the parameters substituted into it.
    pub path_segments: Vec<PathSegment>,
    /// One-line summary.
    pub summary: String,
    /// Longer description (rustdoc Markdown).
    pub description: String,
    /// OAuth scopes that the operation requires.
    pub scopes: Vec<String>,
    /// Parameters, required ones first in spec order, then optional ones in spec order.
    pub params: Vec<Param>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// What `send()` returns.
    pub response: ResponseBody,
    /// Set when the operation pages through results.
    pub pagination: Option<Pagination>,
    /// Set when the operation reads an event stream with sync tokens.
    pub events: Option<EventStream>,
    /// Where each typed `opt_fields` path lands in the response, in the order of the values (empty when the
    /// operation has no typed `opt_fields`).
    pub opt_fields_reach: Vec<OptFieldReach>,
}

/// Where one `opt_fields` path lands in an operation's decoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptFieldReach {
    /// The path as sent (`memberships.section.name`).
    pub path: String,
    /// Where its value lands.
    pub reach: Reach,
}

/// The place of an `opt_fields` path's value in the decoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// A typed field of `model`, named like the path's last part.
    Field {
        /// The model (or union member) declaring the field.
        model: TypeName,
    },
    /// Inside a free-form value (`serde_json::Value`, or a map keyed by the path's next part).
    Json,
    /// The `extra` map of `model`, which keeps members the document does not describe.
    Extra {
        /// The model whose extra map keeps it.
        model: TypeName,
    },
    /// Nowhere: decoding drops the value (a scalar where the path needs an object, or a model without an
    /// extra map).
    Dropped,
}

impl Reach {
    /// Whether the value is kept by decoding.
    pub fn is_kept(&self) -> bool {
        !matches!(self, Reach::Dropped)
    }
}

/// An event stream read with sync tokens: a `sync` query parameter, and a response envelope with the events
/// in `data`, the next token in `sync` and `has_more`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventStream {
    /// The response model (`GetEventsResponse`).
    pub page: TypeName,
    /// The event type.
    pub event: TypeRef,
    /// Rust name of the `sync` parameter.
    pub sync_param: RustIdent,
    /// Rust names of the response's `data`, `sync` and `has_more` fields.
    pub events_field: RustIdent,
    /// See `events_field`.
    pub sync_field: RustIdent,
    /// See `events_field`.
    pub has_more_field: RustIdent,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Text sent as it is (`/webhooks/`).
    Literal(String),
    /// The value of a path parameter, percent-encoded: an index into [`Operation::params`].
    Param(usize),
}

/// A path or query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire (`opt_pretty`).
    pub wire_name: String,
    /// Rust name of the argument or builder method (`pretty`).
    pub name: RustIdent,
    /// Documentation.
    pub doc: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Required parameters are positional arguments of the `Client` method.
    pub required: bool,
    /// What it holds.
    pub kind: ParamKind,
    /// The largest value the API accepts (`maximum` of an integer parameter), if the spec says.
    pub maximum: Option<i64>,
    /// The request builder's method that sets it; `None` for a positional argument of the `Client` method
    /// and for an `opt_fields` without typed values (only its raw setter).
    pub setter: Option<RustIdent>,
    /// For `opt_fields`: the builder's method adding field paths as strings (`opt_fields_raw`).
    pub raw_setter: Option<RustIdent>,
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// Substituted into the path template.
    Path,
    /// Sent in the query string.
    Query,
    /// A part of a `multipart/form-data` request body: the body's properties are parameters like the others.
    Form,
}

/// What a parameter holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// A single value: string, integer, number, boolean, date or date-time.
    Scalar(TypeRef),
    /// A list of such values, sent as one comma-joined value (`style: form`, `explode: false`).
    List(TypeRef),
    /// A file part of a multipart body (`format: binary`): `crate::Upload`, with its file name and content type.
    File,
    /// A comma-joined list of field paths; `set` is the typed enum when the spec lists the values.
    OptFields {
        /// The typed values, if the spec lists them.
        set: Option<OptFieldsType>,
    },
}

/// The typed values an `opt_fields` parameter accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct OptFieldsType {
    /// Index into `Api::opt_field_sets`.
    pub set: usize,
    /// The name this operation uses for it: the set's own name or one of its aliases.
    pub type_name: TypeName,
}

/// A JSON request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Rust name of the builder's field holding the value: `body` when the body is set field by field, else
    /// the positional argument of the `Client` method (`data`).
    pub name: RustIdent,
    /// Type of the value inside the `{"data": ...}` envelope.
    pub ty: TypeRef,
    /// Documentation.
    pub doc: String,
    /// When `data` is a sent model: its fields, set like parameters (required ones as arguments of the
    /// `Client` method, optional ones as builder methods). Empty when the body is one positional argument.
    pub fields: Vec<BodyField>,
    /// The `Client` method that takes the body as a prepared model instead (`create_task_with_body`); set
    /// exactly when `fields` is not empty.
    pub with_body_method: Option<RustIdent>,
}

/// A field of a request body model, set on the request builder.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyField {
    /// The model's field (and the name of its constructor argument).
    pub field: RustIdent,
    /// The argument of the `Client` method (required fields) or the builder method (optional ones), as the
    /// builder's namespace gave it.
    pub name: RustIdent,
    /// The field's type, without `Option`.
    pub ty: TypeRef,
    /// Required fields are arguments of the model's `new`, in the model's field order.
    pub required: bool,
    /// The model's chained setter for an optional field, which the builder method calls.
    pub model_setter: Option<RustIdent>,
    /// Documentation.
    pub doc: String,
}

/// How a success response is decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// `{"data": T}` with nothing beside `data`: `send()` returns `T`.
    Data(TypeRef),
    /// The whole body as `T` (an envelope with siblings of `data`, or no envelope).
    Whole(TypeRef),
}

/// Offset-based pagination of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// The page model (`GetWebhooksResponse`).
    pub page: TypeName,
    /// The item type.
    pub item: TypeRef,
    /// Rust name of the offset parameter.
    pub offset_param: RustIdent,
    /// Rust name of the page-size parameter, when the operation has one.
    pub limit_param: Option<RustIdent>,
    /// The largest page size the API accepts (the `limit` parameter's `maximum`), if the spec says.
    pub max_page_size: Option<i64>,
}

/// The values of one `opt_fields` enum.
#[derive(Debug, Clone, PartialEq)]
pub struct OptFieldSet {
    /// Enum type name (`GetWebhooksOptField`).
    pub name: TypeName,
    /// Aliases so that every operation using the set has a type named after it.
    pub aliases: Vec<TypeName>,
    /// `Client` methods that accept it, for docs.
    pub used_by: Vec<RustIdent>,
    /// Values.
    pub values: Vec<OptFieldValue>,
}

/// One `opt_fields` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptFieldValue {
    /// Variant name (`ResourceName`).
    pub variant: TypeName,
    /// Field path on the wire (`resource.name`).
    pub path: String,
}
