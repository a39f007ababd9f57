//! Operations to request builders: parameters, bodies, responses, pagination and `opt_fields` sets.

use openapiv3::{ReferenceOr, Schema, SchemaKind, StatusCode, Type};

use super::params::{BuilderNamespace, Located, claim_names, path_segments};
use super::types::Properties;
use super::{Context, Lowering, Problems, SchemaRef};
use crate::docs;
use crate::error::{Result, pointer_push};
use crate::ir::{
    Body, BodyField, EventStream, Operation, PageOf, Pagination, Param, ParamKind, ParamLocation, Presence,
    ResponseBody, RustIdent, TypeName, TypeRef, Usage,
};
use crate::names::{camel, snake};
use crate::select::SelectedOperation;

impl<'s> Lowering<'s> {

    pub(super) fn operation(&mut self, selected: &'s SelectedOperation) -> Result<Operation> {
        let op = &selected.operation;
        let at = selected.pointer.as_str();
        let operation_id = op.operation_id.clone().ok_or_else(|| self.error(at, "operation has no operationId"))?;
        let (Some(method_name), Some(builder_name)) = (snake(&operation_id), camel(&operation_id)) else {
            return Err(self.error(at, format!("operationId `{operation_id}` gives no Rust identifier")));
        };
        // Renamed before anything records the name (the `opt_fields` sets link to the methods using them).
        let method_name = if super::CLIENT_METHODS.contains(&method_name.as_str()) {
            snake(&format!("{method_name}_operation")).unwrap_or(method_name)
        } else {
            method_name
        };
        let mut problems = Problems::default();
        let params = problems.take(self.params(selected, &builder_name, &method_name));
        let body = problems.take(self.body(selected, &builder_name));
        let opt_field_paths = params.as_ref().map(|params| {
            super::opt_field_paths(&self.opt_field_sets, params.iter().map(|located| &located.param))
        });
        let response = problems.take(self.response(selected, &builder_name, &opt_field_paths.unwrap_or_default()));
        problems.take(self.error_models(selected));
        problems.finish(self)?;
        let (Some(mut params), Some((body, form)), Some((response, envelope_fields))) = (params, body, response) else {
            return Err(self.error(at, "generator bug: a part of the operation failed without a problem"));
        };
        params.extend(form);
        params.sort_by_key(|located| !located.param.required);
        // Names are claimed in the order of the `Client` method's arguments, then the builder's setters.
        let mut names = BuilderNamespace::new();
        let first_optional = params.iter().position(|located| !located.param.required).unwrap_or(params.len());
        let (required, optional) = params.split_at_mut(first_optional);
        claim_names(self, required, &mut names)?;
        let body = body.map(|body| self.body_fields(body, &method_name)).map(|mut body| {
            body.name = names.claim(&body.name, &[]).ok_or_else(|| self.error(at, "the request body's argument clashes with the builder's names"))?;
            claim_body_fields(&mut body, true, &mut names).map_err(|field| self.error(at, field))?;
            Ok(body)
        }).transpose()?;
        claim_names(self, optional, &mut names)?;
        let body = body.map(|mut body| {
            claim_body_fields(&mut body, false, &mut names).map_err(|field| self.error(at, field))?;
            Ok(body)
        }).transpose()?;
        let params: Vec<Param> = params.into_iter().map(|located| located.param).collect();
        let path_segments = path_segments(self, selected, &params)?;
        let pagination = self.pagination(&response, &envelope_fields, &params);
        let events = self.event_stream(&response, &params);
        if let (Some(pagination), ResponseBody::Whole(TypeRef::Model(page))) = (&pagination, &response) {
            let page_of = self.page_of(page, pagination.item.clone());
            if let Some(model) = self.models.get_mut(page) {
                model.page = page_of;
            }
        }
        let security = op.security.as_ref().unwrap_or(&self.selection.default_security);
        let mut scopes: Vec<String> = Vec::new();
        for scope in security.iter().flat_map(|requirement| requirement.values().flatten()) {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        let summary = op.summary.as_deref().map(|s| docs::to_rustdoc(s.trim())).unwrap_or_default();
        Ok(Operation {
            operation_id,
            method_name,
            builder_name,
            http_method: selected.method.to_ascii_uppercase(),
            path: selected.path.clone(),
            path_segments,
            description: op.description.as_deref().map(|text| docs::without_leading_repeat(&description_without_scopes(text, &scopes), &summary))
                .unwrap_or_default(),
            summary,
            scopes,
            params,
            body,
            response,
            pagination,
            events,
            opt_fields_reach: Vec::new(),
        })
    }

    /// An operation reads an event stream when it takes an optional `sync` string and its response envelope has
    /// a list in `data`, a string `sync` and a boolean `has_more`.
    fn event_stream(&self, response: &ResponseBody, params: &[Param]) -> Option<EventStream> {
        let ResponseBody::Whole(TypeRef::Model(page)) = response else { return None };
        let sync_param = params.iter().find(|p| {
            p.wire_name == "sync" && p.location == ParamLocation::Query && !p.required && p.kind == ParamKind::Scalar(TypeRef::String)
        })?;
        let model = self.models.get(page)?;
        let field = |json_name: &str, wanted: &dyn Fn(&TypeRef) -> bool| {
            model.fields.iter().find(|f| f.json_name == json_name && wanted(&f.ty) && !f.boxed)
        };
        let events = field("data", &|ty| matches!(ty, TypeRef::List(_)))?;
        let TypeRef::List(event) = &events.ty else { return None };
        let sync = field("sync", &|ty| *ty == TypeRef::String).filter(|f| f.presence == Presence::Optional)?;
        let has_more = field("has_more", &|ty| *ty == TypeRef::Boolean).filter(|f| f.presence == Presence::Optional)?;
        (events.presence == Presence::Required).then(|| EventStream {
            page: page.clone(),
            event: (**event).clone(),
            sync_param: sync_param.name.clone(),
            events_field: events.name.clone(),
            sync_field: sync.name.clone(),
            has_more_field: has_more.name.clone(),
        })
    }

    /// The JSON request body, or the parts of a multipart one as form parameters.
    fn body(&mut self, selected: &'s SelectedOperation, builder_name: &TypeName) -> Result<(Option<Body>, Vec<Located>)> {
        let Some(body) = &selected.operation.request_body else { return Ok((None, Vec::new())) };
        let at = pointer_push(&selected.pointer, "requestBody");
        let body = self.resolve_request_body(body, &at)?;
        let Some(media) = body.content.get("application/json") else {
            let multipart = body.content.get("multipart/form-data").and_then(|media| media.schema.as_ref());
            let Some(schema) = multipart else {
                return Err(self.error(&at, "request body is neither `application/json` nor `multipart/form-data`; only those are supported"));
            };
            let schema_pointer = pointer_push(&pointer_push(&pointer_push(&at, "content"), "multipart/form-data"), "schema");
            return Ok((None, self.form_params(schema.into(), &schema_pointer, builder_name)?));
        };
        let schema_pointer = pointer_push(&pointer_push(&pointer_push(&at, "content"), "application/json"), "schema");
        let Some(schema) = &media.schema else {
            return Err(self.error(&schema_pointer, "request body has no schema"));
        };
        let Some((_, properties, pointer)) = self.envelope(schema.into(), &schema_pointer) else {
            return Err(self.error(&schema_pointer, "request body is not a `{data: ...}` envelope; only those are supported"));
        };
        if properties.len() != 1 || !properties.contains_key("data") {
            return Err(self.error(&schema_pointer, "request body envelope must have exactly one property, `data`"));
        }
        let context = Context::new(pointer_push(&pointer, "data"), builder_name.join("RequestData"), Usage::Request, Some("data"));
        let data = &properties["data"];
        let ty = self.type_of(data.into(), &context)?;
        let doc = body.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| "The request body's `data`.".to_owned());
        let name = snake("data").ok_or_else(|| self.error(&schema_pointer, "`data` gives no Rust identifier"))?;
        Ok((Some(Body { name, ty, doc, fields: Vec::new(), with_body_method: None }), Vec::new()))
    }

    /// A body whose `data` is a sent model with fields is set field by field on the builder, like the
    /// parameters: the model's required fields become arguments of the `Client` method, its optional ones
    /// builder methods calling the model's setters, and `{method}_with_body` takes a prepared model. Any other
    /// body stays one positional argument.
    fn body_fields(&self, body: Body, method_name: &RustIdent) -> Body {
        let TypeRef::Model(model) = &body.ty else { return body };
        let Some(model) = self.models.get(model).filter(|model| model.usage.is_sent() && !model.fields.is_empty()) else { return body };
        // Every optional field of a sent model gets a setter; its name is decided with the model's other
        // items once all fields are known (`link_body_setters`).
        let fields: Vec<BodyField> = model.fields.iter().map(|field| BodyField {
            field: field.name.clone(),
            name: field.name.clone(),
            ty: field.ty.clone(),
            required: field.presence == Presence::Required,
            model_setter: None,
            doc: field.doc.clone(),
        }).collect();
        let (Some(name), Some(with_body_method)) = (snake("body"), snake(&format!("{method_name}_with_body"))) else { return body };
        Body { name, fields, with_body_method: Some(with_body_method), ..body }
    }

    /// The properties of an inline `{data: ...}` envelope object, with the pointer to them.
    fn envelope(&self, schema: SchemaRef<'s>, pointer: &str) -> Option<(&'s Schema, &'s Properties, String)> {
        let SchemaRef::Inline(schema) = schema else { return None };
        let properties = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => &object.properties,
            SchemaKind::Any(any) if any.all_of.is_empty() => &any.properties,
            _ => return None,
        };
        properties.contains_key("data").then(|| (schema, properties, pointer_push(pointer, "properties")))
    }

    /// What `send()` returns, plus the envelope's sibling property names (for pagination detection). The
    /// `data` may be decoded into a wider type than the document says, to hold the `opt_fields` paths (see
    /// [`Lowering::widened_data`]).
    fn response(
        &mut self,
        selected: &'s SelectedOperation,
        builder_name: &TypeName,
        opt_field_paths: &[String],
    ) -> Result<(ResponseBody, Vec<String>)> {
        let responses = &selected.operation.responses.responses;
        let success = responses.iter().filter_map(|(code, response)| match code {
            StatusCode::Code(code @ 200..=299) => Some((*code, response)),
            _ => None,
        }).min_by_key(|(code, _)| *code);
        let Some((code, response)) = success else {
            return Err(self.error(&pointer_push(&selected.pointer, "responses"), "operation has no 2xx response"));
        };
        let at = pointer_push(&pointer_push(&selected.pointer, "responses"), &code.to_string());
        let response = self.resolve_response(response, &at)?;
        let schema_pointer = pointer_push(&pointer_push(&pointer_push(&at, "content"), "application/json"), "schema");
        let schema = response.content.get("application/json").and_then(|media| media.schema.as_ref());
        let Some(schema) = schema else {
            // Asana always answers with JSON; an undescribed body is kept free-form.
            return Ok((ResponseBody::Whole(TypeRef::Json), Vec::new()));
        };
        let envelope_name = builder_name.join("Response");
        let context = Context::new(schema_pointer.clone(), envelope_name.clone(), Usage::Response, None);
        let Some((envelope, properties, properties_pointer)) = self.envelope(schema.into(), &schema_pointer) else {
            return Ok((ResponseBody::Whole(self.type_of(schema.into(), &context)?), Vec::new()));
        };
        if properties.len() == 1 {
            let data_context = Context::new(pointer_push(&properties_pointer, "data"), builder_name.join("ResponseData"), Usage::Response, Some("data"));
            let data = self.type_of((&properties["data"]).into(), &data_context)?;
            return Ok((ResponseBody::Data(self.widened_data(data, opt_field_paths, &data_context.pointer)?), Vec::new()));
        }
        self.model(envelope, &context, None)?;
        let data = self.models.get(&envelope_name).and_then(|model| model.fields.iter().find(|f| f.json_name == "data"));
        if let Some(data) = data.map(|field| field.ty.clone()) {
            let widened = self.widened_data(data, opt_field_paths, &pointer_push(&properties_pointer, "data"))?;
            if let Some(field) = self.models.get_mut(&envelope_name).and_then(|model| model.fields.iter_mut().find(|f| f.json_name == "data")) {
                if field.ty != widened {
                    field.doc = widened_doc(&field.ty, &widened);
                    field.ty = widened;
                }
            }
        }
        if let Some(model) = self.models.get_mut(&envelope_name) {
            // `data` is the point of the response: missing it is a decode error, not a `None`.
            for field in &mut model.fields {
                if field.json_name == "data" {
                    field.presence = Presence::Required;
                }
            }
            let method = snake(builder_name.as_str()).map(|method| method.to_string()).unwrap_or_default();
            model.doc = format!("Response body of [`Client::{method}`](crate::Client::{method}).");
        }
        Ok((ResponseBody::Whole(TypeRef::Model(envelope_name)), properties.keys().cloned().collect()))
    }

    /// Generates the models of error bodies (Asana's `ErrorResponse`), which the runtime decodes.
    fn error_models(&mut self, selected: &'s SelectedOperation) -> Result<()> {
        let responses = &selected.operation.responses;
        let errors = responses.responses.iter().filter(|(code, _)| !matches!(code, StatusCode::Code(200..=299)))
            .map(|(code, response)| (code.to_string(), response))
            .chain(responses.default.as_ref().map(|response| ("default".to_owned(), response)));
        for (code, response) in errors {
            let at = pointer_push(&pointer_push(&selected.pointer, "responses"), &code);
            let response = self.resolve_response(response, &at)?;
            let schema = response.content.get("application/json").and_then(|media| media.schema.as_ref());
            if let Some(ReferenceOr::Reference { reference }) = schema {
                self.component_type(reference, &at, Usage::Response)?;
            }
        }
        Ok(())
    }

    /// An operation pages when it takes an `offset` and its list envelope has a `next_page` with an offset.
    fn pagination(&self, response: &ResponseBody, envelope_fields: &[String], params: &[Param]) -> Option<Pagination> {
        let ResponseBody::Whole(TypeRef::Model(page)) = response else { return None };
        if !envelope_fields.iter().any(|f| f == "next_page") {
            return None;
        }
        let model = self.models.get(page)?;
        let item = model.fields.iter().find(|f| f.json_name == "data").and_then(|f| match &f.ty {
            TypeRef::List(item) => Some((**item).clone()),
            _ => None,
        })?;
        let next_page = model.fields.iter().find(|f| f.json_name == "next_page")?;
        let TypeRef::Model(next_page_model) = &next_page.ty else { return None };
        let has_offset = self.models.get(next_page_model)?.fields.iter().any(|f| f.json_name == "offset" && f.ty == TypeRef::String);
        let offset_param = params.iter().find(|p| p.wire_name == "offset" && p.location == ParamLocation::Query && p.kind == ParamKind::Scalar(TypeRef::String))?;
        if !has_offset || offset_param.required {
            return None;
        }
        let limit_param = params.iter().find(|p| p.wire_name == "limit" && !p.required && p.kind == ParamKind::Scalar(TypeRef::Integer));
        Some(Pagination {
            page: page.clone(),
            item,
            offset_param: offset_param.name.clone(),
            limit_param: limit_param.map(|p| p.name.clone()),
            max_page_size: limit_param.and_then(|p| p.maximum),
        })
    }

    /// Where a page model keeps its items and its next offset, read from its fields.
    fn page_of(&self, page: &TypeName, item: TypeRef) -> Option<PageOf> {
        let field = |model: &TypeName, json_name: &str| {
            self.models.get(model)?.fields.iter().find(|f| f.json_name == json_name).cloned()
        };
        let next_page = field(page, "next_page")?;
        let TypeRef::Model(next_page_model) = &next_page.ty else { return None };
        Some(PageOf {
            items_field: field(page, "data")?.name,
            item,
            next_page_field: next_page.name,
            offset_field: field(next_page_model, "offset")?.name,
        })
    }
}

/// Points each optional body field at its model's setter, named once the models are final
/// ([`super::types::decide_model_items`]); a field the model no longer has, or that has no setter, gets no
/// builder method.
pub(super) fn link_body_setters(models: &std::collections::BTreeMap<TypeName, crate::ir::Model>, operations: &mut [Operation]) {
    for body in operations.iter_mut().filter_map(|op| op.body.as_mut()) {
        let TypeRef::Model(model) = &body.ty else { continue };
        let Some(model) = models.get(model) else { continue };
        for field in body.fields.iter_mut().filter(|field| !field.required) {
            field.model_setter = model.fields.iter().find(|f| f.name == field.field).and_then(|f| f.setter.clone());
        }
    }
}

/// Gives the required (`required`) or optional body fields their names in the builder's namespace, in the
/// model's order: a field named like a parameter, the body's own field or a builder method gets a `_field`
/// suffix. `Err` says which field has no free name.
fn claim_body_fields(body: &mut Body, required: bool, names: &mut BuilderNamespace) -> std::result::Result<(), String> {
    for field in body.fields.iter_mut().filter(|field| field.required == required) {
        field.name = names.claim_or_suffixed(&field.field, &[], "_field").ok_or_else(|| {
            format!("the request body's field `{}` clashes with another name of the request builder, even as `{}_field`", field.field, field.field)
        })?;
    }
    Ok(())
}

/// An operation's description without a paragraph stating the scopes its security requirement names: the
/// generated docs state those once, beside the method and path.
fn description_without_scopes(text: &str, scopes: &[String]) -> String {
    let same = |stated: &[String]| stated.len() == scopes.len() && stated.iter().all(|scope| scopes.contains(scope));
    docs::without_scope_statements(&docs::to_rustdoc(text), |kind, stated| kind == docs::ScopeStatement::Required && same(stated))
}

/// The doc of an envelope's `data` decoded into a wider type than the document's.
fn widened_doc(document: &TypeRef, widened: &TypeRef) -> String {
    let name = |ty: &TypeRef| match ty {
        TypeRef::Model(name) => name.to_string(),
        TypeRef::List(item) => match item.as_ref() {
            TypeRef::Model(name) => name.to_string(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    format!(
        "The results, as [`{}`] rather than the document's [`{}`]: Asana sends every field asked for with \
         `opt_fields`, and the full type has a field for more of them.",
        name(widened),
        name(document)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str) -> crate::ir::RustIdent {
        snake(name).expect("an identifier")
    }

    fn field(name: &str, required: bool) -> BodyField {
        BodyField {
            field: ident(name),
            name: ident(name),
            ty: TypeRef::String,
            required,
            model_setter: (!required).then(|| ident(name)),
            doc: String::new(),
        }
    }

    fn body(fields: Vec<BodyField>) -> Body {
        Body {
            name: ident("body"),
            ty: TypeRef::Model(camel("TaskRequest").expect("a type name")),
            doc: String::new(),
            fields,
            with_body_method: Some(ident("create_task_with_body")),
        }
    }

    fn names(body: &Body) -> Vec<String> {
        body.fields.iter().map(|f| f.name.to_string()).collect()
    }

    #[test]
    fn body_fields_share_the_builder_namespace_with_parameters() {
        let mut namespace = BuilderNamespace::new();
        assert_eq!(namespace.claim(&ident("workspace"), &[]), Some(ident("workspace")), "a parameter claims first");
        assert_eq!(namespace.claim(&ident("body"), &[]), Some(ident("body")), "then the builder's body field");
        let mut body = body(vec![field("name", true), field("workspace", true), field("body", false), field("send", false)]);
        claim_body_fields(&mut body, true, &mut namespace).expect("free names");
        assert_eq!(names(&body), ["name", "workspace_field", "body", "send"], "only required fields are named first");
        claim_body_fields(&mut body, false, &mut namespace).expect("free names");
        assert_eq!(names(&body), ["name", "workspace_field", "body_field", "send_field"]);
        let model_names: Vec<String> = body.fields.iter().map(|f| f.field.to_string()).collect();
        assert_eq!(model_names, ["name", "workspace", "body", "send"], "the model's own names are kept for its constructor");
    }

    #[test]
    fn a_body_field_without_a_free_name_is_reported() {
        let mut namespace = BuilderNamespace::new();
        namespace.claim(&ident("notes"), &[]);
        namespace.claim(&ident("notes_field"), &[]);
        let mut body = body(vec![field("notes", false)]);
        let error = claim_body_fields(&mut body, false, &mut namespace).expect_err("both spellings taken");
        assert!(error.contains("`notes`") && error.contains("`notes_field`"), "{error}");
    }

    #[test]
    fn a_parameter_named_like_a_body_field_claimed_earlier_is_renamed() {
        let mut namespace = BuilderNamespace::new();
        let mut body = body(vec![field("name", true)]);
        claim_body_fields(&mut body, true, &mut namespace).expect("free names");
        assert_eq!(namespace.claim(&ident("name"), &[]), Some(ident("name_param")));
    }
}
