//! One request builder per operation, plus the `Client` methods that start them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Scope, argument_type, doc_attrs, param_type, type_tokens};
use crate::docs;
use crate::ir::{Module, Operation, Param, ParamKind, ParamLocation, ResponseBody, TypeRef};

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
        let ty = argument_type(param_type(p), Scope::Api);
        quote!(#name: #ty)
    }).collect();
    let mut inits: Vec<TokenStream> = required.iter().map(|p| {
        let name = &p.name;
        if *param_type(p) == TypeRef::String { quote!(#name: #name.into()) } else { quote!(#name) }
    }).collect();
    if let Some(body) = &op.body {
        let name = &body.name;
        let ty = argument_type(&body.ty, Scope::Api);
        args.push(quote!(#name: #ty));
        inits.push(if body.ty == TypeRef::String { quote!(#name: #name.into()) } else { quote!(#name) });
    }
    for param in op.params.iter().filter(|p| !p.required) {
        let name = &param.name;
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
                _ => param.name.to_string(),
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
    let name = &op.builder_name;
    let method = &op.method_name;
    let doc = doc_attrs(&format!(
        "Request builder for [`Client::{method}`](crate::Client::{method}): set optional parameters, then `.send().await`."
    ));
    let mut fields: Vec<TokenStream> = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let field = &param.name;
        let ty = type_tokens(param_type(param), Scope::Api);
        fields.push(quote!(#field: #ty,));
    }
    if let Some(body) = &op.body {
        let field = &body.name;
        let ty = type_tokens(&body.ty, Scope::Api);
        fields.push(quote!(#field: #ty,));
    }
    for param in op.params.iter().filter(|p| !p.required) {
        let field = &param.name;
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
    let name = &param.name;
    match &param.kind {
        ParamKind::OptFields { set } => {
            let typed = set.map(|_| {
                // Every operation with a typed set has a type named after it: the set itself or an alias.
                let enum_ty = format_ident!("{}OptField", op.builder_name.as_str());
                let doc = doc_attrs(&format!("{}\n\nMay be called more than once; values add up and are sent comma-separated.", param.doc));
                quote! {
                    #doc
                    pub fn #name(mut self, fields: impl IntoIterator<Item = crate::opt_fields::#enum_ty>) -> Self {
                        self.#name.extend_typed(fields);
                        self
                    }
                }
            });
            let raw = format_ident!("{}_raw", param.name.as_str());
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
        let field = &p.name;
        match (&p.kind, p.required) {
            (ParamKind::OptFields { .. }, _) => quote!(.query_list(#wire, &self.#field)),
            (ParamKind::Scalar(TypeRef::Enum(_)), true) => quote!(.query(#wire, self.#field.as_str())),
            (ParamKind::Scalar(_), true) => quote!(.query(#wire, &self.#field)),
            (ParamKind::Scalar(TypeRef::String), false) => quote!(.query_opt(#wire, self.#field.as_deref())),
            (ParamKind::Scalar(_), false) => quote!(.query_opt(#wire, self.#field)),
        }
    });
    let body = op.body.as_ref().map(|body| {
        let field = &body.name;
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
            let field = &param.name;
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

