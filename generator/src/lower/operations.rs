//! Operations to request builders: parameters, bodies, responses, pagination and `opt_fields` sets.

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StatusCode, Type};

use super::types::Properties;
use super::{Context, Lowering, SchemaRef};
use crate::docs;
use crate::error::{Result, pointer_push};
use crate::ir::{
    Body, OptFieldSet, OptFieldValue, Operation, PageOf, Pagination, Param, ParamKind, ParamLocation, Presence,
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
        let mut params = self.params(selected, &builder_name)?;
        params.sort_by_key(|param| !param.required);
        let body = self.body(selected, &builder_name)?;
        let (response, envelope_fields) = self.response(selected, &builder_name)?;
        self.error_models(selected)?;
        let mut pagination = self.pagination(&response, &envelope_fields, &params);
        if let Some(pagination) = &mut pagination {
            pagination.max_page_size = self.limit_maximum(selected)?;
        }
        if let (Some(pagination), ResponseBody::Whole(TypeRef::Model(page))) = (&pagination, &response) {
            let page_of = self.page_of(page, pagination.item.clone());
            if let Some(model) = self.models.get_mut(page) {
                model.page = page_of;
            }
        }
        self.register_opt_fields(selected, &builder_name, &method_name, &mut params)?;
        let security = op.security.as_ref().unwrap_or(&self.selection.default_security);
        let mut scopes: Vec<String> = Vec::new();
        for scope in security.iter().flat_map(|requirement| requirement.values().flatten()) {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        Ok(Operation {
            operation_id,
            method_name,
            builder_name,
            http_method: selected.method.to_ascii_uppercase(),
            path: selected.path.clone(),
            summary: op.summary.as_deref().map(|s| docs::to_rustdoc(s.trim())).unwrap_or_default(),
            description: op.description.as_deref().map(docs::to_rustdoc).unwrap_or_default(),
            scopes,
            params,
            body,
            response,
            pagination,
        })
    }

    fn params(&mut self, selected: &'s SelectedOperation, builder_name: &TypeName) -> Result<Vec<Param>> {
        let op_level = selected.operation.parameters.iter().enumerate().map(|(i, p)| {
            (p, pointer_push(&pointer_push(&selected.pointer, "parameters"), &i.to_string()))
        });
        let path_pointer = selected.pointer.rsplit_once('/').map_or("", |(path, _)| path).to_owned();
        let path_level = selected.path_parameters.iter().enumerate().map(|(i, p)| {
            (p, pointer_push(&pointer_push(&path_pointer, "parameters"), &i.to_string()))
        });
        // The operation's own parameters come first; a path item's parameter of the same name and location
        // is overridden by the operation's.
        let mut resolved: Vec<(&'s Parameter, String)> = Vec::new();
        for (parameter, pointer) in op_level.chain(path_level) {
            let parameter = self.resolve_parameter(parameter, &pointer)?;
            let data = parameter.parameter_data_ref();
            let overridden = resolved.iter().any(|(p, _)| {
                p.parameter_data_ref().name == data.name && std::mem::discriminant(*p) == std::mem::discriminant(parameter)
            });
            if !overridden {
                resolved.push((parameter, pointer));
            }
        }
        let mut params: Vec<Param> = Vec::new();
        for (parameter, pointer) in resolved {
            let param = self.param(parameter, &pointer, selected, builder_name)?;
            if let Some(existing) = params.iter().find(|p| p.name == param.name) {
                return Err(self.error(&pointer, format!("parameters `{}` and `{}` both become `{}`", existing.wire_name, param.wire_name, param.name)));
            }
            params.push(param);
        }
        for placeholder in placeholders(&selected.path) {
            if !params.iter().any(|p| p.location == ParamLocation::Path && p.wire_name == placeholder) {
                return Err(self.error(&selected.pointer, format!("path `{}` has `{{{placeholder}}}` but no path parameter of that name", selected.path)));
            }
        }
        Ok(params)
    }

    fn param(&mut self, parameter: &'s Parameter, pointer: &str, selected: &SelectedOperation, builder_name: &TypeName) -> Result<Param> {
        let data = parameter.parameter_data_ref();
        let location = match parameter {
            Parameter::Query { .. } => ParamLocation::Query,
            Parameter::Path { .. } => {
                if !placeholders(&selected.path).any(|p| p == data.name) {
                    return Err(self.error(pointer, format!("path parameter `{}` does not appear in the path `{}`", data.name, selected.path)));
                }
                ParamLocation::Path
            }
            Parameter::Header { .. } => return Err(self.error(pointer, format!("header parameter `{}` is not supported", data.name))),
            Parameter::Cookie { .. } => return Err(self.error(pointer, format!("cookie parameter `{}` is not supported", data.name))),
        };
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(self.error(pointer, format!("parameter `{}` uses `content`; only `schema` is supported", data.name)));
        };
        let doc = data.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("The {} parameter.", docs::code_span(&data.name)));
        let context = Context::new(pointer_push(pointer, "schema"), builder_name.join(&data.name), Usage::Request, None);
        let kind = if data.name == "opt_fields" && location == ParamLocation::Query {
            ParamKind::OptFields { set: None }
        } else {
            match self.type_of(schema.into(), &context)? {
                ty @ (TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean | TypeRef::Enum(_)) => ParamKind::Scalar(ty),
                TypeRef::DateTime | TypeRef::Date | TypeRef::Secret => ParamKind::Scalar(TypeRef::String),
                _ => return Err(self.error(pointer, format!("parameter `{}` is not a string, number or boolean; only those are supported", data.name))),
            }
        };
        let rust_name = data.name.strip_prefix("opt_").filter(|_| data.name != "opt_fields").unwrap_or(&data.name);
        let name = snake(rust_name).ok_or_else(|| self.error(pointer, format!("parameter name `{}` gives no Rust identifier", data.name)))?;
        if matches!(name.as_str(), "send" | "pages" | "items" | "max_items" | "opt_fields_raw" | "client") {
            return Err(self.error(pointer, format!("parameter `{}` would clash with the request builder's own `{name}`", data.name)));
        }
        Ok(Param { wire_name: data.name.clone(), name, doc, location, required: data.required || location == ParamLocation::Path, kind })
    }

    /// Gives each `opt_fields` parameter with an enum its typed set, sharing sets between equal enums.
    fn register_opt_fields(&mut self, selected: &'s SelectedOperation, builder_name: &TypeName, method_name: &RustIdent, params: &mut [Param]) -> Result<()> {
        for param in params.iter_mut() {
            let ParamKind::OptFields { set } = &mut param.kind else { continue };
            let Some((values, pointer)) = self.opt_field_values(selected)? else { continue };
            let type_name = builder_name.join("OptField");
            let index = match self.opt_field_sets.iter().position(|s| s.values.iter().map(|v| &v.path).eq(values.iter())) {
                Some(index) => {
                    let existing = &mut self.opt_field_sets[index];
                    existing.aliases.push(type_name);
                    existing.used_by.push(method_name.clone());
                    index
                }
                None => {
                    let mut variants: Vec<OptFieldValue> = Vec::new();
                    for value in &values {
                        let variant = camel(value).ok_or_else(|| self.error(&pointer, format!("opt_fields value `{value}` gives no Rust identifier")))?;
                        if let Some(clash) = variants.iter().find(|v| v.variant == variant) {
                            return Err(self.error(&pointer, format!("opt_fields values `{}` and `{value}` both become the variant `{variant}`", clash.path)));
                        }
                        variants.push(OptFieldValue { variant, path: value.clone() });
                    }
                    self.opt_field_sets.push(OptFieldSet { name: type_name, aliases: Vec::new(), used_by: vec![method_name.clone()], values: variants });
                    self.opt_field_sets.len() - 1
                }
            };
            *set = Some(index);
        }
        Ok(())
    }

    /// The enum values of the operation's `opt_fields` parameter, if it lists any.
    fn opt_field_values(&self, selected: &'s SelectedOperation) -> Result<Option<(Vec<String>, String)>> {
        let all = selected.path_parameters.iter().chain(&selected.operation.parameters);
        for parameter in all {
            let parameter = self.resolve_parameter(parameter, &selected.pointer)?;
            let data = parameter.parameter_data_ref();
            if data.name != "opt_fields" {
                continue;
            }
            let ParameterSchemaOrContent::Schema(schema) = &data.format else { continue };
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => self.schema_component(reference, &selected.pointer)?,
            };
            let items = match &schema.schema_kind {
                SchemaKind::Type(Type::Array(array)) => array.items.as_ref(),
                SchemaKind::Any(any) => any.items.as_ref(),
                _ => None,
            };
            let Some(ReferenceOr::Item(items)) = items else { continue };
            let values: Vec<String> = match &items.schema_kind {
                SchemaKind::Type(Type::String(string)) => string.enumeration.iter().flatten().cloned().collect(),
                SchemaKind::Any(any) => any.enumeration.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                _ => Vec::new(),
            };
            let mut unique: Vec<String> = Vec::new();
            for value in values {
                if !unique.contains(&value) {
                    unique.push(value);
                }
            }
            if !unique.is_empty() {
                return Ok(Some((unique, selected.pointer.clone())));
            }
        }
        Ok(None)
    }

    fn body(&mut self, selected: &'s SelectedOperation, builder_name: &TypeName) -> Result<Option<Body>> {
        let Some(body) = &selected.operation.request_body else { return Ok(None) };
        let at = pointer_push(&selected.pointer, "requestBody");
        let body = self.resolve_request_body(body, &at)?;
        let Some(media) = body.content.get("application/json") else {
            return Err(self.error(&at, "request body has no `application/json` content; only JSON bodies are supported"));
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
        Ok(Some(Body { name, ty, doc }))
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

    /// What `send()` returns, plus the envelope's sibling property names (for pagination detection).
    fn response(&mut self, selected: &'s SelectedOperation, builder_name: &TypeName) -> Result<(ResponseBody, Vec<String>)> {
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
            return Ok((ResponseBody::Data(self.type_of((&properties["data"]).into(), &data_context)?), Vec::new()));
        }
        self.model(envelope, &context, None)?;
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
            max_page_size: None,
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

    /// The `maximum` of the operation's `limit` query parameter, if it has one.
    fn limit_maximum(&self, selected: &'s SelectedOperation) -> Result<Option<i64>> {
        for parameter in selected.operation.parameters.iter().chain(&selected.path_parameters) {
            let parameter = self.resolve_parameter(parameter, &selected.pointer)?;
            let data = parameter.parameter_data_ref();
            if data.name != "limit" || !matches!(parameter, Parameter::Query { .. }) {
                continue;
            }
            let ParameterSchemaOrContent::Schema(schema) = &data.format else { return Ok(None) };
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => self.schema_component(reference, &selected.pointer)?,
            };
            return Ok(match &schema.schema_kind {
                SchemaKind::Type(Type::Integer(integer)) => integer.maximum,
                _ => None,
            });
        }
        Ok(None)
    }
}


/// The `{name}` placeholders of a path template.
fn placeholders(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}
