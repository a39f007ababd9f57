//! One request builder per operation, plus the `Client` methods that start them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Scope, argument_type, doc_attrs, field_argument, type_tokens};
use crate::docs;
use crate::ir::{BodyField, Module, Operation, Param, ParamKind, ParamLocation, PathSegment, Reach, ResponseBody, TypeName, TypeRef};

pub(super) fn operations(module: &Module) -> TokenStream {
    let methods = module.operations.iter().map(|op| client_method(op, module));
    let builders = module.operations.iter().map(builder);
    quote! {
        impl crate::Client {
            #(#methods)*
        }
        #(#builders)*
    }
}

fn client_method(op: &Operation, module: &Module) -> TokenStream {
    let method = &op.method_name;
    let builder = &op.builder_name;
    let doc = doc_attrs(&operation_doc(op, module));
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let mut args: Vec<TokenStream> = required.iter().map(|p| {
        let name = &p.name;
        let ty = param_argument_type(p);
        quote!(#name: #ty)
    }).collect();
    let mut inits: Vec<TokenStream> = required.iter().map(|p| {
        let name = &p.name;
        match &p.kind {
            ParamKind::Scalar(TypeRef::String) | ParamKind::List(_) | ParamKind::OptFields { .. } => {
                let value = param_value(p);
                quote!(#name: #value)
            }
            _ => quote!(#name),
        }
    }).collect();
    let optional_inits = optional_inits(op);
    let with_body = op.body.as_ref().and_then(|body| {
        let with_body = body.with_body_method.as_ref()?;
        let TypeRef::Model(model) = &body.ty else { return None };
        let name = &body.name;
        let doc = doc_attrs(&format!(
            "Like [`{method}`](Self::{method}), with the request body given whole: a [`{model}`](crate::models::{model}) \
             built beforehand (`{model}::new(..)` and its setters). Body fields set on the returned builder change it."
        ));
        Some(quote! {
            #doc
            pub fn #with_body(&self, #(#args,)* #name: crate::models::#model) -> #builder<'_> {
                #builder { client: self, #(#inits,)* #name, #(#optional_inits),* }
            }
        })
    });
    if let Some(body) = &op.body {
        let name = &body.name;
        if let TypeRef::Model(model) = &body.ty && body.with_body_method.is_some() {
            let fields: Vec<&BodyField> = body.fields.iter().filter(|f| f.required).collect();
            for field in &fields {
                let arg = &field.name;
                let ty = field_argument(&field.ty, Scope::Api);
                args.push(quote!(#arg: #ty));
            }
            let values = fields.iter().map(|field| &field.name);
            inits.push(quote!(#name: crate::models::#model::new(#(#values),*)));
        } else {
            let ty = argument_type(&body.ty, Scope::Api);
            args.push(quote!(#name: #ty));
            inits.push(if body.ty == TypeRef::String { quote!(#name: #name.into()) } else { quote!(#name) });
        }
    }
    inits.extend(optional_inits);
    quote! {
        #doc
        pub fn #method(&self, #(#args),*) -> #builder<'_> {
            #builder { client: self, #(#inits),* }
        }
        #with_body
    }
}

/// The starting values of the builder's optional parameters (and of `max_items`).
fn optional_inits(op: &Operation) -> Vec<TokenStream> {
    let mut inits = Vec::new();
    for param in op.params.iter().filter(|p| !p.required) {
        let name = &param.name;
        inits.push(match param.kind {
            ParamKind::OptFields { .. } => quote!(#name: crate::runtime::OptFields::default()),
            ParamKind::List(_) => quote!(#name: Vec::new()),
            ParamKind::Scalar(_) | ParamKind::File => quote!(#name: None),
        });
    }
    if op.pagination.is_some() {
        inits.push(quote!(max_items: None));
    }
    inits
}

/// A body field's documentation, written for its model: its links to other types (`[`User`]`), which
/// resolve beside the model, are made to point into `crate::models` from the operation's module.
fn body_field_doc(field: &BodyField) -> String {
    let doc = &field.doc;
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let name = &after[..name_len];
        let tail = &after[name_len..];
        let is_type = name.starts_with(|c: char| c.is_ascii_uppercase());
        match tail.strip_prefix("`]") {
            Some(next) if is_type && !next.starts_with(['(', '[']) => {
                out.push_str(&format!("[`{name}`](crate::models::{name})"));
                rest = next;
            }
            _ => {
                out.push_str("[`");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A field's doc in a list item labelled with its name: a doc that starts by naming the field (what a field
/// without a description says: "`owner`: a [`User`].") starts after the name.
fn without_name(field: &BodyField, doc: &str) -> String {
    let Some(rest) = doc.strip_prefix(&format!("`{}`: ", field.field)) else { return doc.to_owned() };
    let mut chars = rest.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The builder methods setting the body's optional fields, through the model's own setters.
fn body_setters(op: &Operation) -> TokenStream {
    let Some(body) = &op.body else { return TokenStream::new() };
    let body_field = &body.name;
    let setters = body.fields.iter().filter(|f| !f.required).filter_map(|field| {
        let model_setter = field.model_setter.as_ref()?;
        let name = &field.name;
        let ty = field_argument(&field.ty, Scope::Api);
        let doc = doc_attrs(&body_field_doc(field));
        Some(quote! {
            #doc
            pub fn #name(mut self, #name: #ty) -> Self {
                self.#body_field = self.#body_field.#model_setter(#name);
                self
            }
        })
    });
    quote!(#(#setters)*)
}

/// The type a builder field holds for a parameter.
fn param_field_type(param: &Param) -> TokenStream {
    match &param.kind {
        ParamKind::OptFields { .. } => quote!(crate::runtime::OptFields),
        // An empty list is not sent, so lists need no `Option`.
        ParamKind::List(item) => {
            let item = type_tokens(item, Scope::Api);
            quote!(Vec<#item>)
        }
        ParamKind::Scalar(ty) => {
            let ty = type_tokens(ty, Scope::Api);
            if param.required { ty } else { quote!(Option<#ty>) }
        }
        ParamKind::File if param.required => quote!(crate::Upload),
        ParamKind::File => quote!(Option<crate::Upload>),
    }
}

/// The type a `Client` method argument or builder setter takes for a parameter.
fn param_argument_type(param: &Param) -> TokenStream {
    match &param.kind {
        ParamKind::List(TypeRef::String) | ParamKind::OptFields { set: None } => quote!(impl IntoIterator<Item = impl Into<String>>),
        ParamKind::List(item) => {
            let item = type_tokens(item, Scope::Api);
            quote!(impl IntoIterator<Item = #item>)
        }
        ParamKind::OptFields { set: Some(set) } => {
            let set = &set.type_name;
            quote!(impl IntoIterator<Item = crate::opt_fields::#set>)
        }
        ParamKind::Scalar(ty) => argument_type(ty, Scope::Api),
        ParamKind::File => quote!(crate::Upload),
    }
}

/// The field value made from an argument of [`param_argument_type`] named like the parameter.
fn param_value(param: &Param) -> TokenStream {
    let name = &param.name;
    match &param.kind {
        ParamKind::List(TypeRef::String) => quote!(#name.into_iter().map(Into::into).collect()),
        ParamKind::List(_) => quote!(#name.into_iter().collect()),
        ParamKind::Scalar(TypeRef::String) => quote!(#name.into()),
        ParamKind::OptFields { set: Some(_) } => quote!(crate::runtime::OptFields::typed(#name)),
        ParamKind::OptFields { set: None } => quote!(crate::runtime::OptFields::raw(#name)),
        ParamKind::Scalar(_) | ParamKind::File => quote!(#name),
    }
}

fn operation_doc(op: &Operation, module: &Module) -> String {
    let mut doc = String::new();
    if !op.summary.is_empty() {
        doc.push_str(&op.summary);
        doc.push_str("\n\n");
    }
    if !op.description.is_empty() {
        doc.push_str(&op.description);
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("`{} {}`", op.http_method, op.path));
    match op.scopes.as_slice() {
        [] => doc.push('\n'),
        [scope] => doc.push_str(&format!(" (OAuth scope `{scope}`)\n")),
        scopes => {
            let scopes = scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            doc.push_str(&format!(" (OAuth scopes {scopes})\n"));
        }
    }
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let body_fields: &[BodyField] = op.body.as_ref().map_or(&[], |body| &body.fields);
    if !required.is_empty() || op.body.is_some() {
        doc.push_str("\n# Arguments\n\n");
        for param in &required {
            doc.push_str(&list_item(&format!("`{}`", param.name), &param.doc));
        }
        match &op.body {
            Some(body) if body.with_body_method.is_some() => {
                for field in body_fields.iter().filter(|f| f.required) {
                    doc.push_str(&list_item(&format!("`{}`", field.name), &without_name(field, &body_field_doc(field))));
                }
            }
            Some(body) => doc.push_str(&list_item(&format!("`{}`", body.name), &format!("{} Sent as `{{\"data\": ...}}`.", body.doc))),
            None => {}
        }
        if let (Some(body), Some(with_body)) = (&op.body, op.body.as_ref().and_then(|b| b.with_body_method.as_ref())) {
            let model = type_doc(&body.ty);
            doc.push_str(&format!(
                "\nThe request body is {model}, sent as `{{\"data\": ...}}`: its fields are set like parameters, or \
                 [`{with_body}`](Self::{with_body}) takes one built beforehand.\n"
            ));
        }
    }
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    let optional_fields: Vec<&BodyField> = body_fields.iter().filter(|f| !f.required && f.model_setter.is_some()).collect();
    if !optional.is_empty() || !optional_fields.is_empty() {
        doc.push_str(&format!("\n# Optional parameters\n\nSet on the returned [`{0}`](crate::{1}::{0}):\n\n", op.builder_name, module.name));
        for param in optional {
            // Without a typed set, `opt_fields` is only reachable through its raw setter.
            let Some(method) = param.setter.as_ref().or(param.raw_setter.as_ref()) else { continue };
            let link = format!("[`{method}`](crate::{}::{}::{method})", module.name, op.builder_name);
            doc.push_str(&list_item(&link, &param.doc));
        }
        for field in optional_fields {
            let method = &field.name;
            let link = format!("[`{method}`](crate::{}::{}::{method})", module.name, op.builder_name);
            doc.push_str(&list_item(&link, &without_name(field, &body_field_doc(field))));
        }
    }
    doc.push_str(&format!("\n# Returns\n\n{}", response_doc(op)));
    doc
}

fn response_doc(op: &Operation) -> String {
    let ty = match &op.response {
        ResponseBody::Data(ty) => format!("the response's `data`, {}", type_doc(ty)),
        ResponseBody::Whole(ty) => format!("the response body, {}", type_doc(ty)),
    };
    let mut doc = format!("`.send().await` gives {ty}.");
    if let Some(pagination) = &op.pagination {
        doc.push_str(&format!(
            " `.items()` and `.pages()` stream every item ({}) or page, following `next_page`.",
            type_doc(&pagination.item)
        ));
    }
    doc.push_str(&opt_fields_doc(op));
    doc
}

/// Which type holds each `opt_fields` value, as lowering found it.
fn opt_fields_doc(op: &Operation) -> String {
    if op.opt_fields_reach.is_empty() {
        return String::new();
    }
    let holder = match (&op.pagination, &op.response) {
        (Some(pagination), _) => type_doc(&pagination.item),
        (None, ResponseBody::Data(ty) | ResponseBody::Whole(ty)) => type_doc(ty),
    };
    let mut extra: Vec<(&TypeName, Vec<String>)> = Vec::new();
    let mut dropped = Vec::new();
    for reach in &op.opt_fields_reach {
        let path = format!("`{}`", reach.path);
        match &reach.reach {
            Reach::Field { .. } | Reach::Json => {}
            Reach::Extra { model } => match extra.iter_mut().find(|(m, _)| *m == model) {
                Some((_, paths)) => paths.push(path),
                None => extra.push((model, vec![path])),
            },
            Reach::Dropped => dropped.push(path),
        }
    }
    let mut doc = format!("\n\nEach `opt_fields` value lands in a field of {holder} or of a type it holds");
    let mut exceptions: Vec<String> = extra
        .iter()
        .map(|(model, paths)| format!("{} in the `extra` map of [`{model}`](crate::models::{model})", paths.join(", ")))
        .collect();
    if !dropped.is_empty() {
        exceptions.push(format!("{} (the document gives a scalar where the path needs an object)", dropped.join(", ")));
    }
    if exceptions.is_empty() {
        doc.push('.');
    } else {
        doc.push_str(&format!(", except {}.", exceptions.join("; ")));
    }
    doc
}

fn type_doc(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Model(name) => format!("[`{name}`](crate::models::{name})"),
        TypeRef::List(item) => format!("a list of {}", type_doc(item)),
        other => format!("`{}`", type_tokens(other, Scope::Api)).replace(' ', ""),
    }
}

/// A Markdown list item whose continuation lines are indented to stay inside the item.
fn list_item(label: &str, text: &str) -> String {
    let mut item = format!("- {label}:");
    for (index, line) in text.lines().enumerate() {
        match (index, line.is_empty()) {
            (0, _) => item.push_str(&format!(" {line}")),
            (_, true) => item.push('\n'),
            (_, false) => item.push_str(&format!("\n  {line}")),
        }
    }
    item.push('\n');
    item
}

fn builder(op: &Operation) -> TokenStream {
    let name = &op.builder_name;
    let method = &op.method_name;
    let doc = doc_attrs(&format!(
        "Request builder for [`Client::{method}`](crate::Client::{method}): set optional parameters, then `.send().await`."
    ));
    let mut fields: Vec<TokenStream> = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let field = &param.name;
        let ty = param_field_type(param);
        fields.push(quote!(#field: #ty,));
    }
    if let Some(body) = &op.body {
        let field = &body.name;
        let ty = type_tokens(&body.ty, Scope::Api);
        fields.push(quote!(#field: #ty,));
    }
    for param in op.params.iter().filter(|p| !p.required) {
        let field = &param.name;
        let ty = param_field_type(param);
        fields.push(quote!(#field: #ty,));
    }
    if op.pagination.is_some() {
        fields.push(quote!(max_items: Option<usize>,));
    }
    let setters = op.params.iter().map(setters);
    let body_setters = body_setters(op);
    let send = send(op);
    let pagination = pagination(op);
    let events = event_stream(op);
    quote! {
        #doc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `.send()` is awaited"]
        pub struct #name<'a> {
            client: &'a crate::Client,
            #(#fields)*
        }
        impl<'a> #name<'a> {
            #(#setters)*
            #body_setters
            #send
        }
        #pagination
        #events
    }
}

fn event_stream(op: &Operation) -> Option<TokenStream> {
    let events = op.events.as_ref()?;
    let name = &op.builder_name;
    let page = &events.page;
    let event = type_tokens(&events.event, Scope::Api);
    let sync = &events.sync_param;
    let (events_field, sync_field, has_more_field) = (&events.events_field, &events.sync_field, &events.has_more_field);
    Some(quote! {
        impl<'a> #name<'a> {
            #[doc = " Reads the event stream batch by batch, keeping the sync token from one batch to the next"]
            #[doc = " (starting from the one set with `sync`, if any); see [`EventReader`](crate::EventReader)."]
            pub fn reader(self) -> crate::EventReader<Self> {
                crate::EventReader::new(self)
            }
        }
        impl<'a> crate::runtime::SyncedRequest<'a> for #name<'a> {
            type Page = crate::models::#page;
            fn sync(&self) -> Option<&str> {
                self.#sync.as_deref()
            }
            fn set_sync(&mut self, sync: String) {
                self.#sync = Some(sync);
            }
            fn fetch(self) -> impl Future<Output = Result<crate::models::#page, crate::Error>> + Send + 'a {
                self.send()
            }
        }
        impl crate::EventPage for crate::models::#page {
            type Event = #event;
            fn into_parts(self) -> (Vec<#event>, Option<String>, bool) {
                (self.#events_field, self.#sync_field, self.#has_more_field.unwrap_or(false))
            }
        }
    })
}

/// The builder methods of a parameter, as lowering named them.
fn setters(param: &Param) -> TokenStream {
    let field = &param.name;
    let setter = param.setter.as_ref().and_then(|name| match &param.kind {
        ParamKind::OptFields { set: None } => None,
        ParamKind::OptFields { set: Some(set) } => {
            let enum_ty = &set.type_name;
            let doc = doc_attrs(&format!("{}\n\nMay be called more than once; values add up and are sent comma-separated.", param.doc));
            Some(quote! {
                #doc
                pub fn #name(mut self, fields: impl IntoIterator<Item = crate::opt_fields::#enum_ty>) -> Self {
                    self.#field.extend_typed(fields);
                    self
                }
            })
        }
        ParamKind::Scalar(_) | ParamKind::File | ParamKind::List(_) => {
            let doc = doc_attrs(&param.doc);
            let arg_ty = param_argument_type(param);
            let value = param_value(param);
            let value = if matches!(param.kind, ParamKind::List(_)) { value } else { quote!(Some(#value)) };
            Some(quote! {
                #doc
                pub fn #name(mut self, #field: #arg_ty) -> Self {
                    self.#field = #value;
                    self
                }
            })
        }
    });
    let raw = param.raw_setter.as_ref().map(|raw| {
        let raw_doc = doc_attrs(&format!(
            "Adds raw field paths to {}, for fields the spec does not list (yet).",
            docs::code_span(&param.wire_name)
        ));
        quote! {
            #raw_doc
            pub fn #raw<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
                self.#field.extend_raw(paths);
                self
            }
        }
    });
    quote!(#setter #raw)
}

fn send(op: &Operation) -> TokenStream {
    let operation_id = &op.operation_id;
    let method = format_ident!("{}", op.http_method);
    let (path_bindings, path) = path_expression(op);
    let queries = op.params.iter().filter(|p| p.location == ParamLocation::Query).map(|p| {
        let wire = &p.wire_name;
        match &p.kind {
            ParamKind::OptFields { .. } | ParamKind::List(_) => {
                let values = list_values(p);
                quote!(.query_list(#wire, #values))
            }
            ParamKind::Scalar(_) | ParamKind::File => {
                let (call, value) = single_value(p);
                let call = format_ident!("query{call}");
                quote!(.#call(#wire, #value))
            }
        }
    });
    let parts: Vec<TokenStream> = op.params.iter().filter(|p| p.location == ParamLocation::Form).map(|p| {
        let wire = &p.wire_name;
        let field = &p.name;
        match (&p.kind, p.required) {
            (ParamKind::File, true) => quote!(.file(#wire, self.#field)),
            (ParamKind::File, false) => quote!(.file_opt(#wire, self.#field)),
            _ => {
                let (call, value) = single_value(p);
                let call = format_ident!("text{call}");
                quote!(.#call(#wire, #value))
            }
        }
    }).collect();
    let body = op.body.as_ref().map(|body| {
        let field = &body.name;
        quote!(let request = request.data_body(&self.#field)?;)
    });
    let form = (!parts.is_empty()).then(|| quote! {
        let request = request.multipart(crate::runtime::Form::default() #(#parts)*);
    });
    let (return_ty, call) = match &op.response {
        ResponseBody::Data(ty) => (type_tokens(ty, Scope::Api), quote!(send_data)),
        ResponseBody::Whole(ty) => (type_tokens(ty, Scope::Api), quote!(send_json)),
    };
    let doc = doc_attrs(&format!("Sends the request. {}", response_doc(op)));
    quote! {
        #doc
        pub async fn send(self) -> Result<#return_ty, crate::Error> {
            #path_bindings
            let request = crate::runtime::Request::new(#operation_id, reqwest::Method::#method, #path)
                #(#queries)*;
            #body
            #form
            self.client.#call(request).await
        }
    }
}

/// The values of a list or `opt_fields` parameter, as an iterator of displayable values.
fn list_values(param: &Param) -> TokenStream {
    let field = &param.name;
    match &param.kind {
        ParamKind::List(TypeRef::DateTime) => quote!(self.#field.iter().map(crate::runtime::Rfc3339)),
        _ => quote!(self.#field.iter()),
    }
}

/// The suffix of the request method (`""` or `"_opt"`) and the displayable value of a single-valued parameter.
fn single_value(param: &Param) -> (&'static str, TokenStream) {
    let field = &param.name;
    let date_time = matches!(param.kind, ParamKind::Scalar(TypeRef::DateTime));
    match (param.required, date_time) {
        // A sent-only enum is `Copy`, so borrowing it for `Display` is needless; its text is what goes out.
        (true, false) if matches!(param.kind, ParamKind::Scalar(TypeRef::Enum(_))) => ("", quote!(self.#field.as_str())),
        (true, true) => ("", quote!(crate::runtime::Rfc3339(&self.#field))),
        (true, false) => match &param.kind {
            ParamKind::Scalar(TypeRef::String) => ("", quote!(&self.#field)),
            // A received enum holds a `String` for unknown values; its wire text is borrowed either way.
            ParamKind::Scalar(TypeRef::Enum(_)) => ("", quote!(self.#field.as_str())),
            _ => ("", quote!(self.#field)),
        },
        (false, true) => ("_opt", quote!(self.#field.as_ref().map(crate::runtime::Rfc3339))),
        (false, false) => ("_opt", quote!(self.#field.as_ref())),
    }
}

/// Statements binding each percent-encoded path parameter, and the expression building the path from them.
fn path_expression(op: &Operation) -> (TokenStream, TokenStream) {
    let mut bindings = TokenStream::new();
    let mut template = String::new();
    for segment in &op.path_segments {
        match segment {
            PathSegment::Literal(text) => template.push_str(&text.replace('{', "{{").replace('}', "}}")),
            PathSegment::Param(index) => {
                let Some(param) = op.params.get(*index) else { continue };
                let field = &param.name;
                template.push_str(&format!("{{{field}}}"));
                bindings.extend(match &param.kind {
                    ParamKind::Scalar(TypeRef::String) => quote!(let #field = crate::runtime::encode_path_segment(&self.#field);),
                    ParamKind::Scalar(TypeRef::DateTime) => quote! {
                        let #field = crate::runtime::Rfc3339(&self.#field).to_string();
                        let #field = crate::runtime::encode_path_segment(&#field);
                    },
                    _ => quote! {
                        let #field = self.#field.to_string();
                        let #field = crate::runtime::encode_path_segment(&#field);
                    },
                });
            }
        }
    }
    if bindings.is_empty() {
        (bindings, quote!(#template.to_owned()))
    } else {
        (bindings, quote!(format!(#template)))
    }
}

fn pagination(op: &Operation) -> Option<TokenStream> {
    let pagination = op.pagination.as_ref()?;
    let name = &op.builder_name;
    let page = &pagination.page;
    let item = type_tokens(&pagination.item, Scope::Api);
    let offset = &pagination.offset_param;
    let max_page_size = match pagination.max_page_size {
        Some(max) => quote!(Some(#max)),
        None => quote!(None),
    };
    let (limit_get, limit_set) = match &pagination.limit_param {
        Some(limit) => {
            
            (quote!(self.#limit), quote!(self.#limit = Some(limit);))
        }
        None => (quote!(None), quote!(let _ = limit;)),
    };
    Some(quote! {
        impl<'a> #name<'a> {
            #[doc = " Caps the number of items that `.items()` and `.pages()` yield over all pages."]
            pub fn max_items(mut self, max_items: usize) -> Self {
                self.max_items = Some(max_items);
                self
            }
            #[doc = " Streams every page, following `next_page` until the last one (or until `max_items`)."]
            pub fn pages(self) -> impl futures_core::Stream<Item = Result<crate::models::#page, crate::Error>> + Send + 'a {
                crate::runtime::pages(self)
            }
            #[doc = " Streams every item of every page (up to `max_items`)."]
            pub fn items(self) -> impl futures_core::Stream<Item = Result<#item, crate::Error>> + Send + 'a {
                crate::runtime::items(self)
            }
        }
        impl<'a> crate::runtime::Paginated<'a> for #name<'a> {
            type Page = crate::models::#page;
            fn set_offset(&mut self, offset: String) {
                self.#offset = Some(offset);
            }
            fn limit(&self) -> Option<i64> {
                #limit_get
            }
            fn set_limit(&mut self, limit: i64) {
                #limit_set
            }
            fn max_items(&self) -> Option<usize> {
                self.max_items
            }
            fn max_page_size(&self) -> Option<i64> {
                #max_page_size
            }
            fn fetch(self) -> impl Future<Output = Result<crate::models::#page, crate::Error>> + Send + 'a {
                self.send()
            }
        }
    })
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Operation;
    use crate::names::{camel, snake};

    fn param(wire_name: &str, location: ParamLocation, required: bool, kind: ParamKind) -> Param {
        let name = snake(wire_name).expect("an identifier");
        let setter = (!required).then(|| name.clone());
        Param { wire_name: wire_name.to_owned(), name, doc: "Doc.".to_owned(), location, required, kind, maximum: None, setter, raw_setter: None }
    }

    fn operation(params: Vec<Param>, path_segments: Vec<PathSegment>) -> Operation {
        Operation {
            operation_id: "doThing".to_owned(),
            method_name: snake("doThing").expect("an identifier"),
            builder_name: camel("doThing").expect("a type name"),
            http_method: "POST".to_owned(),
            path: "/things/{n}".to_owned(),
            path_segments,
            summary: String::new(),
            description: String::new(),
            scopes: Vec::new(),
            params,
            body: None,
            response: ResponseBody::Whole(TypeRef::Json),
            pagination: None,
            events: None,
            opt_fields_reach: Vec::new(),
        }
    }

    fn compact(tokens: TokenStream) -> String {
        tokens.to_string().replace(' ', "")
    }

    #[test]
    fn send_reads_the_parsed_path_and_each_parameter_kind() {
        let op = operation(
            vec![
                param("n", ParamLocation::Path, true, ParamKind::Scalar(TypeRef::Integer)),
                param("ids", ParamLocation::Query, false, ParamKind::List(TypeRef::String)),
                param("since", ParamLocation::Query, false, ParamKind::Scalar(TypeRef::DateTime)),
                param("file", ParamLocation::Form, false, ParamKind::File),
                param("parent", ParamLocation::Form, true, ParamKind::Scalar(TypeRef::String)),
            ],
            vec![PathSegment::Literal("/things/".to_owned()), PathSegment::Param(0), PathSegment::Literal("/{x}".to_owned())],
        );
        let send = compact(send(&op));
        assert!(send.contains("letn=self.n.to_string();letn=crate::runtime::encode_path_segment(&n);"), "{send}");
        assert!(send.contains(r#"format!("/things/{n}/{{x}}")"#), "literal braces are escaped: {send}");
        assert!(send.contains(r#".query_list("ids",self.ids.iter())"#), "{send}");
        assert!(send.contains(r#".query_opt("since",self.since.as_ref().map(crate::runtime::Rfc3339))"#), "{send}");
        assert!(send.contains(r#"crate::runtime::Form::default().file_opt("file",self.file).text("parent",&self.parent)"#), "{send}");
    }

    #[test]
    fn list_and_file_arguments() {
        let list = param("ids", ParamLocation::Query, true, ParamKind::List(TypeRef::String));
        assert_eq!(compact(param_argument_type(&list)), "implIntoIterator<Item=implInto<String>>");
        assert_eq!(compact(param_field_type(&list)), "Vec<String>");
        let file = param("file", ParamLocation::Form, false, ParamKind::File);
        assert_eq!(compact(param_field_type(&file)), "Option<crate::Upload>");
        assert!(compact(setters(&file)).contains("self.file=Some(file);"));
    }

    #[test]
    fn a_required_opt_fields_is_a_positional_list_of_its_values() {
        let set = crate::ir::OptFieldsType { set: 0, type_name: camel("DoThingOptField").expect("a type name") };
        let mut typed = param("opt_fields", ParamLocation::Query, true, ParamKind::OptFields { set: Some(set) });
        typed.raw_setter = snake("opt_fields_raw");
        assert_eq!(compact(param_argument_type(&typed)), "implIntoIterator<Item=crate::opt_fields::DoThingOptField>");
        assert_eq!(compact(param_value(&typed)), "crate::runtime::OptFields::typed(opt_fields)");
        let method = compact(client_method(&operation(vec![typed.clone()], Vec::new()), &module()));
        assert!(method.contains("opt_fields:crate::runtime::OptFields::typed(opt_fields)"), "{method}");
        let setters = compact(setters(&typed));
        assert!(setters.contains("pubfnopt_fields_raw<"), "{setters}");
        assert!(!setters.contains("pubfnopt_fields("), "{setters}");
        let untyped = param("opt_fields", ParamLocation::Query, true, ParamKind::OptFields { set: None });
        assert_eq!(compact(param_argument_type(&untyped)), "implIntoIterator<Item=implInto<String>>");
        assert_eq!(compact(param_value(&untyped)), "crate::runtime::OptFields::raw(opt_fields)");
    }

    #[test]
    fn body_field_docs_link_into_the_models_module() {
        let field = crate::ir::BodyField {
            field: snake("owner").expect("an identifier"),
            name: snake("owner").expect("an identifier"),
            ty: TypeRef::String,
            required: false,
            model_setter: None,
            doc: "`owner`: a [`User`], see [`Team`](crate::models::Team), [`x`] and [`Ab`][ref].".to_owned(),
        };
        assert_eq!(
            body_field_doc(&field),
            "`owner`: a [`User`](crate::models::User), see [`Team`](crate::models::Team), [`x`] and [`Ab`][ref]."
        );
    }

    fn module() -> Module {
        Module { name: snake("things").expect("an identifier"), doc: String::new(), operations: Vec::new() }
    }
}
