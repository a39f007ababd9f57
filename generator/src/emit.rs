//! Stage 4: IR to Rust tokens, one token stream per generated file.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::docs;
use crate::ir::{Api, Field, Model, Module, OptFieldSet, Operation, Param, ParamKind, ParamLocation, Presence, ResponseBody, TypeRef};

/// A generated file before formatting: its path inside the generated crate and its items.
pub struct EmittedFile {
    /// Path relative to the generated crate's root (`src/api/models.rs`).
    pub path: String,
    /// The file's items.
    pub tokens: TokenStream,
}

/// Emits every file of the `api` module.
pub fn emit(api: &Api) -> Vec<EmittedFile> {
    let mut files = vec![
        EmittedFile { path: "src/api/mod.rs".to_owned(), tokens: api_mod(api) },
        EmittedFile { path: "src/api/models.rs".to_owned(), tokens: api.models.iter().map(model).collect() },
    ];
    if !api.opt_field_sets.is_empty() {
        files.push(EmittedFile { path: "src/api/opt_fields.rs".to_owned(), tokens: api.opt_field_sets.iter().map(opt_field_set).collect() });
    }
    for module in &api.modules {
        files.push(EmittedFile { path: format!("src/api/{}.rs", module.name), tokens: operations(module) });
    }
    files
}

fn api_mod(api: &Api) -> TokenStream {
    let mut items = vec![quote! {
        #[doc = " Request and response bodies of the API."]
        pub mod models;
    }];
    if !api.opt_field_sets.is_empty() {
        items.push(quote! {
            #[doc = " Typed values for the `opt_fields` parameter: the fields each operation can include."]
            pub mod opt_fields;
        });
    }
    for module in &api.modules {
        let doc = doc_attrs(&module.doc);
        let name = ident(&module.name);
        items.push(quote! { #doc pub mod #name; });
    }
    quote! { #(#items)* }
}

// ----- models -----

fn model(model: &Model) -> TokenStream {
    let name = ident(&model.name);
    let doc = doc_attrs(&model.doc);
    let fields = model.fields.iter().map(field);
    let derive_default = model.fields.iter().all(|f| f.presence == Presence::Optional || has_default(&f.ty));
    let default = derive_default.then(|| quote!(Default,));
    let constructor = constructor(model);
    let page = model.page.as_ref().map(|page| {
        let item = type_tokens(&page.item, Scope::Models);
        let items_field = ident(&page.items_field);
        let next_page_field = ident(&page.next_page_field);
        let offset_field = ident(&page.offset_field);
        quote! {
            impl crate::Page for #name {
                type Item = #item;
                fn next_offset(&self) -> Option<&str> {
                    self.#next_page_field.as_ref()?.#offset_field.as_deref()
                }
                fn items_mut(&mut self) -> &mut Vec<#item> {
                    &mut self.#items_field
                }
                fn into_items(self) -> Vec<#item> {
                    self.#items_field
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
        }
        #constructor
        #page
    }
}

fn field(field: &Field) -> TokenStream {
    let doc = doc_attrs(&field.doc);
    let name = ident(&field.name);
    let ty = type_tokens(&field.ty, Scope::Models);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    let rename = (field.name != field.json_name).then(|| {
        let json_name = &field.json_name;
        quote!(rename = #json_name,)
    });
    match field.presence {
        Presence::Optional => quote! {
            #doc
            #[serde(#rename default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        },
        Presence::Required => {
            let serde = rename.map(|rename| quote!(#[serde(#rename)]));
            quote! {
                #doc
                #serde
                pub #name: #ty,
            }
        }
    }
}

/// `new(required...)` for models with required fields, so callers need not spell out every `None`.
fn constructor(model: &Model) -> Option<TokenStream> {
    let required: Vec<&Field> = model.fields.iter().filter(|f| f.presence == Presence::Required).collect();
    if required.is_empty() {
        return None;
    }
    let name = ident(&model.name);
    let args = required.iter().map(|f| {
        let arg = ident(&f.name);
        let ty = argument_type(&f.ty, Scope::Models);
        quote!(#arg: #ty)
    });
    let inits = model.fields.iter().map(|f| {
        let field = ident(&f.name);
        match (f.presence, &f.ty) {
            (Presence::Optional, _) => quote!(#field: None),
            (Presence::Required, _) if f.boxed => quote!(#field: Box::new(#field)),
            (Presence::Required, TypeRef::String) => quote!(#field: #field.into()),
            (Presence::Required, _) => quote!(#field),
        }
    });
    let doc = doc_attrs(&format!(
        "Creates a [`{}`] from its required fields; optional fields start as `None`.",
        model.name
    ));
    Some(quote! {
        impl #name {
            #doc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    })
}

fn has_default(ty: &TypeRef) -> bool {
    !matches!(ty, TypeRef::Secret)
}

// ----- opt_fields -----

fn opt_field_set(set: &OptFieldSet) -> TokenStream {
    let name = ident(&set.name);
    let users = set.used_by.iter().map(|m| format!("[`Client::{m}`](crate::Client::{m})")).collect::<Vec<_>>().join(", ");
    let doc = doc_attrs(&format!(
        "Optional fields that {users} can include in the response (the `opt_fields` parameter).\n\n\
         A field not listed here can still be requested with `opt_fields_raw` on the request builder."
    ));
    let variants = set.values.iter().map(|value| {
        let variant = ident(&value.variant);
        let doc = doc_attrs(&format!("Includes {}.", docs::code_span(&value.path)));
        quote!(#doc #variant,)
    });
    let arms = set.values.iter().map(|value| {
        let variant = ident(&value.variant);
        let path = &value.path;
        quote!(Self::#variant => #path,)
    });
    let aliases = set.aliases.iter().map(|alias| {
        let alias_ident = ident(alias);
        let doc = doc_attrs(&format!("The `opt_fields` values of this operation: the same set as [`{}`].", set.name));
        quote!(#doc pub type #alias_ident = #name;)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }
        impl crate::OptField for #name {
            fn as_str(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(crate::OptField::as_str(*self))
            }
        }
        #(#aliases)*
    }
}

// ----- operations -----

fn operations(module: &Module) -> TokenStream {
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
    let method = ident(&op.method_name);
    let builder = ident(&op.builder_name);
    let doc = doc_attrs(&operation_doc(op, module));
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let mut args: Vec<TokenStream> = required.iter().map(|p| {
        let name = ident(&p.name);
        let ty = argument_type(param_type(p), Scope::Api);
        quote!(#name: #ty)
    }).collect();
    let mut inits: Vec<TokenStream> = required.iter().map(|p| {
        let name = ident(&p.name);
        if *param_type(p) == TypeRef::String { quote!(#name: #name.into()) } else { quote!(#name) }
    }).collect();
    if let Some(body) = &op.body {
        let name = ident(&body.name);
        let ty = argument_type(&body.ty, Scope::Api);
        args.push(quote!(#name: #ty));
        inits.push(if body.ty == TypeRef::String { quote!(#name: #name.into()) } else { quote!(#name) });
    }
    for param in op.params.iter().filter(|p| !p.required) {
        let name = ident(&param.name);
        inits.push(match param.kind {
            ParamKind::OptFields { .. } => quote!(#name: crate::runtime::OptFields::default()),
            ParamKind::Scalar(_) => quote!(#name: None),
        });
    }
    if op.pagination.is_some() {
        inits.push(quote!(max_items: None));
    }
    quote! {
        #doc
        pub fn #method(&self, #(#args),*) -> #builder<'_> {
            #builder { client: self, #(#inits),* }
        }
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
    if !required.is_empty() || op.body.is_some() {
        doc.push_str("\n# Arguments\n\n");
        for param in &required {
            doc.push_str(&list_item(&format!("`{}`", param.name), &param.doc));
        }
        if let Some(body) = &op.body {
            doc.push_str(&list_item(&format!("`{}`", body.name), &format!("{} Sent as `{{\"data\": ...}}`.", body.doc)));
        }
    }
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    if !optional.is_empty() {
        doc.push_str(&format!("\n# Optional parameters\n\nSet on the returned [`{0}`](crate::{1}::{0}):\n\n", op.builder_name, module.name));
        for param in optional {
            // Without a typed set, `opt_fields` is only reachable through its raw setter.
            let method = match param.kind {
                ParamKind::OptFields { set: None } => format!("{}_raw", param.name),
                _ => param.name.clone(),
            };
            let link = format!("[`{method}`](crate::{}::{}::{method})", module.name, op.builder_name);
            doc.push_str(&list_item(&link, &param.doc));
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
    if op.pagination.is_some() {
        doc.push_str(" `.items()` and `.pages()` stream every item or page, following `next_page`.");
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
    let name = ident(&op.builder_name);
    let method = &op.method_name;
    let doc = doc_attrs(&format!(
        "Request builder for [`Client::{method}`](crate::Client::{method}): set optional parameters, then `.send().await`."
    ));
    let mut fields: Vec<TokenStream> = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let field = ident(&param.name);
        let ty = type_tokens(param_type(param), Scope::Api);
        fields.push(quote!(#field: #ty,));
    }
    if let Some(body) = &op.body {
        let field = ident(&body.name);
        let ty = type_tokens(&body.ty, Scope::Api);
        fields.push(quote!(#field: #ty,));
    }
    for param in op.params.iter().filter(|p| !p.required) {
        let field = ident(&param.name);
        fields.push(match &param.kind {
            ParamKind::OptFields { .. } => quote!(#field: crate::runtime::OptFields,),
            ParamKind::Scalar(ty) => {
                let ty = type_tokens(ty, Scope::Api);
                quote!(#field: Option<#ty>,)
            }
        });
    }
    if op.pagination.is_some() {
        fields.push(quote!(max_items: Option<usize>,));
    }
    let setters = op.params.iter().filter(|p| !p.required).map(|p| setter(p, op));
    let send = send(op);
    let pagination = pagination(op);
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
            #send
        }
        #pagination
    }
}

fn setter(param: &Param, op: &Operation) -> TokenStream {
    let name = ident(&param.name);
    match &param.kind {
        ParamKind::OptFields { set } => {
            let typed = set.map(|_| {
                // Every operation with a typed set has a type named after it: the set itself or an alias.
                let enum_ty = format_ident!("{}OptField", op.builder_name);
                let doc = doc_attrs(&format!("{}\n\nMay be called more than once; values add up and are sent comma-separated.", param.doc));
                quote! {
                    #doc
                    pub fn #name(mut self, fields: impl IntoIterator<Item = crate::opt_fields::#enum_ty>) -> Self {
                        self.#name.extend_typed(fields);
                        self
                    }
                }
            });
            let raw = format_ident!("{}_raw", param.name);
            let raw_doc = doc_attrs(&format!(
                "Adds raw field paths to {}, for fields the spec does not list (yet).",
                docs::code_span(&param.wire_name)
            ));
            quote! {
                #typed
                #raw_doc
                pub fn #raw<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
                    self.#name.extend_raw(paths);
                    self
                }
            }
        }
        ParamKind::Scalar(ty) => {
            let doc = doc_attrs(&param.doc);
            let arg_ty = argument_type(ty, Scope::Api);
            let value = if *ty == TypeRef::String { quote!(#name.into()) } else { quote!(#name) };
            quote! {
                #doc
                pub fn #name(mut self, #name: #arg_ty) -> Self {
                    self.#name = Some(#value);
                    self
                }
            }
        }
    }
}

fn send(op: &Operation) -> TokenStream {
    let operation_id = &op.operation_id;
    let method = format_ident!("{}", op.http_method);
    let (path_bindings, path) = path_expression(op);
    let queries = op.params.iter().filter(|p| p.location == ParamLocation::Query).map(|p| {
        let wire = &p.wire_name;
        let field = ident(&p.name);
        match (&p.kind, p.required) {
            (ParamKind::OptFields { .. }, _) => quote!(.query_list(#wire, &self.#field)),
            (ParamKind::Scalar(_), true) => quote!(.query(#wire, &self.#field)),
            (ParamKind::Scalar(TypeRef::String), false) => quote!(.query_opt(#wire, self.#field.as_deref())),
            (ParamKind::Scalar(_), false) => quote!(.query_opt(#wire, self.#field)),
        }
    });
    let body = op.body.as_ref().map(|body| {
        let field = ident(&body.name);
        quote!(let request = request.data_body(&self.#field)?;)
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
            self.client.#call(request).await
        }
    }
}

/// Statements binding each percent-encoded path parameter, and the expression building the path from them.
fn path_expression(op: &Operation) -> (TokenStream, TokenStream) {
    let mut bindings = TokenStream::new();
    let mut template = String::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else { break };
        let wire_name = &rest[start + 1..start + length];
        template.push_str(&rest[..start]);
        let param = op.params.iter().find(|p| p.location == ParamLocation::Path && p.wire_name == wire_name);
        if let Some(param) = param {
            let field = ident(&param.name);
            template.push_str(&format!("{{{}}}", param.name));
            bindings.extend(if *param_type(param) == TypeRef::String {
                quote!(let #field = crate::runtime::encode_path_segment(&self.#field);)
            } else {
                quote!(let #field = crate::runtime::encode_path_segment(&self.#field.to_string());)
            });
        }
        rest = &rest[start + length + 1..];
    }
    template.push_str(rest);
    if bindings.is_empty() {
        (bindings, quote!(#template.to_owned()))
    } else {
        (bindings, quote!(format!(#template)))
    }
}

fn pagination(op: &Operation) -> Option<TokenStream> {
    let pagination = op.pagination.as_ref()?;
    let name = ident(&op.builder_name);
    let page = ident(&pagination.page);
    let item = type_tokens(&pagination.item, Scope::Api);
    let offset = ident(&pagination.offset_param);
    let max_page_size = match pagination.max_page_size {
        Some(max) => quote!(Some(#max)),
        None => quote!(None),
    };
    let (limit_get, limit_set) = match &pagination.limit_param {
        Some(limit) => {
            let limit = ident(limit);
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

// ----- shared helpers -----

/// The module a type is written from: models refer to each other by bare name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Models,
    Api,
}

fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Secret => quote!(crate::Secret),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        TypeRef::Date => quote!(chrono::NaiveDate),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Model(name) => {
            let name = ident(name);
            match scope {
                Scope::Models => quote!(#name),
                Scope::Api => quote!(crate::models::#name),
            }
        }
        TypeRef::List(item) => {
            let item = type_tokens(item, scope);
            quote!(Vec<#item>)
        }
    }
}

/// Argument types accept anything string-like where the value is a `String`.
fn argument_type(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl Into<String>),
        other => type_tokens(other, scope),
    }
}

fn param_type(param: &Param) -> &TypeRef {
    match &param.kind {
        ParamKind::Scalar(ty) => ty,
        ParamKind::OptFields { .. } => &TypeRef::String,
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// One `#[doc]` attribute per line, each with the leading space that `///` comments have.
fn doc_attrs(doc: &str) -> TokenStream {
    let lines = doc.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") });
    quote! { #(#[doc = #lines])* }
}
