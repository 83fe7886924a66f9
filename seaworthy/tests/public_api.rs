//! The public API of `seaworthy`, checked in as `tests/public-api.txt` so that every change to it
//! shows in review.
//!
//! The list is made from the source, not from rustdoc's output (its JSON needs a nightly
//! toolchain, and its HTML changes between releases): `syn` parses `src/lib.rs` and the modules
//! it declares (leaving out `#[cfg(test)]`, expanding the crate's own item macros), and the walk
//! below lists, from the crate root through public modules and `pub use` re-exports, every path
//! at which an item can be named, then, at the item's shortest path outside the prelude, its
//! public fields, variants, methods, trait items and the trait impls (derived or written) of
//! public types. Paths in signatures are written out in full (`seaworthy::Result`, `bollard::…`,
//! `std::time::Duration`), so a foreign type in the API is plain to see. Items users should not
//! name (`#[doc(hidden)]`, such as what the macros expand to) are listed too, marked, since they
//! change what the macros can rely on. Auto traits (`Send`, `Sync`, …) and what other crates'
//! macros generate are not listed.
//!
//! When the API changes on purpose: `SEAWORTHY_UPDATE_API=1 cargo test -p seaworthy --test
//! public_api`, then read the diff of `tests/public-api.txt` and commit it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::VisitMut;

const CRATE: &str = "seaworthy";
const LIST: &str = "tests/public-api.txt";
const UPDATE_ENV: &str = "SEAWORTHY_UPDATE_API";

// ---------------------------------------------------------------------------------------------
// Loading the module tree.

struct Module {
    /// `crate`-relative segments.
    path: Vec<String>,
    parent: Option<usize>,
    items: Vec<syn::Item>,
    children: BTreeMap<String, usize>,
}

struct Crate {
    modules: Vec<Module>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let t = a.meta.to_token_stream().to_string();
            t.contains("test") && !t.contains("not")
        }
    })
}

fn is_doc_hidden(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc") && a.meta.to_token_stream().to_string().contains("hidden")
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn item_vis(item: &syn::Item) -> Option<&syn::Visibility> {
    Some(match item {
        syn::Item::Const(i) => &i.vis,
        syn::Item::Enum(i) => &i.vis,
        syn::Item::Fn(i) => &i.vis,
        syn::Item::Mod(i) => &i.vis,
        syn::Item::Static(i) => &i.vis,
        syn::Item::Struct(i) => &i.vis,
        syn::Item::Trait(i) => &i.vis,
        syn::Item::Type(i) => &i.vis,
        syn::Item::Union(i) => &i.vis,
        syn::Item::Use(i) => &i.vis,
        _ => return None,
    })
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// The name an item declares (not for `use`, `impl`, …).
fn item_name(item: &syn::Item) -> Option<String> {
    Some(match item {
        syn::Item::Const(i) => i.ident.to_string(),
        syn::Item::Enum(i) => i.ident.to_string(),
        syn::Item::Fn(i) => i.sig.ident.to_string(),
        syn::Item::Static(i) => i.ident.to_string(),
        syn::Item::Struct(i) => i.ident.to_string(),
        syn::Item::Trait(i) => i.ident.to_string(),
        syn::Item::Type(i) => i.ident.to_string(),
        syn::Item::Union(i) => i.ident.to_string(),
        syn::Item::Macro(i) => i.ident.as_ref()?.to_string(),
        _ => return None,
    })
}

fn load(src: &Path) -> Crate {
    let mut krate = Crate {
        modules: Vec::new(),
    };
    load_file(
        &mut krate,
        src.join("lib.rs"),
        src.to_path_buf(),
        Vec::new(),
        None,
    );
    expand_local_macros(&mut krate);
    krate
}

/// Expands, in place, the item-level invocations of the crate's own `macro_rules!` (the
/// ready-made containers' shared impls come from one), so that what they generate is listed.
/// Only the shape this crate uses is understood: one rule whose matcher is `$name:ident`
/// fragments separated by commas; any other shape fails the test, naming the macro.
fn expand_local_macros(krate: &mut Crate) {
    let mut macros: BTreeMap<String, syn::ItemMacro> = BTreeMap::new();
    for module in &krate.modules {
        for item in &module.items {
            if let syn::Item::Macro(m) = item {
                if let Some(ident) = &m.ident {
                    macros.insert(ident.to_string(), m.clone());
                }
            }
        }
    }
    for module in &mut krate.modules {
        let mut expanded = Vec::new();
        for item in &module.items {
            let syn::Item::Macro(call) = item else {
                continue;
            };
            if call.ident.is_some() {
                continue;
            }
            let name = call
                .mac
                .path
                .segments
                .last()
                .expect("a macro name")
                .ident
                .to_string();
            if let Some(def) = macros.get(&name) {
                expanded.extend(expand(&name, def, &call.mac.tokens));
            }
        }
        module
            .items
            .extend(expanded.into_iter().filter(|i| !is_cfg_test(item_attrs(i))));
    }
}

fn expand(name: &str, def: &syn::ItemMacro, args: &TokenStream) -> Vec<syn::Item> {
    let unsupported = || -> ! {
        panic!(
            "`macro_rules! {name}` has a shape tests/public_api.rs cannot expand (one rule of \
             `$x:ident` and `$x:literal` fragments): extend `expand` there so its items are listed"
        )
    };
    let rule: Vec<TokenTree> = def.mac.tokens.clone().into_iter().collect();
    let (matcher, body) = match rule.as_slice() {
        [TokenTree::Group(m), TokenTree::Punct(eq), TokenTree::Punct(gt), TokenTree::Group(b), rest @ ..]
            if eq.as_char() == '='
                && gt.as_char() == '>'
                && rest
                    .iter()
                    .all(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';')) =>
        {
            (m.stream(), b.stream())
        }
        _ => unsupported(),
    };
    // `$a:ident, $b:literal` → [a, b].
    let mut params = Vec::new();
    let matcher: Vec<TokenTree> = matcher.into_iter().collect();
    for chunk in matcher.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        match chunk {
            [TokenTree::Punct(d), TokenTree::Ident(n), TokenTree::Punct(c), TokenTree::Ident(k)]
                if d.as_char() == '$' && c.as_char() == ':' && (k == "ident" || k == "literal") =>
            {
                params.push(n.to_string())
            }
            _ => unsupported(),
        }
    }
    let values: Vec<TokenTree> = args
        .clone()
        .into_iter()
        .filter(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    if values.len() != params.len() {
        unsupported();
    }
    let bindings: BTreeMap<String, TokenTree> = params.into_iter().zip(values).collect();
    let body = substitute(body, &bindings);
    syn::parse2::<syn::File>(body)
        .unwrap_or_else(|e| panic!("the expansion of `{name}!` does not parse: {e}"))
        .items
}

/// `body` with `$name` replaced by its binding and `$crate` by `crate`.
fn substitute(body: TokenStream, bindings: &BTreeMap<String, TokenTree>) -> TokenStream {
    let mut out = Vec::new();
    let mut trees = body.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '$' => match trees.next() {
                Some(TokenTree::Ident(id)) if id == "crate" => {
                    out.push(TokenTree::Ident(proc_macro2::Ident::new(
                        "crate",
                        id.span(),
                    )));
                }
                Some(TokenTree::Ident(id)) => {
                    out.push(
                        bindings
                            .get(&id.to_string())
                            .cloned()
                            .unwrap_or(TokenTree::Ident(id)),
                    );
                }
                Some(other) => {
                    out.push(TokenTree::Punct(p));
                    out.push(other);
                }
                None => out.push(TokenTree::Punct(p)),
            },
            TokenTree::Group(g) => {
                let mut inner =
                    proc_macro2::Group::new(g.delimiter(), substitute(g.stream(), bindings));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("failed to read `{}`: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("failed to parse `{}`: {e}", path.display()))
}

/// Adds the module in `file` (its submodules' files are in `dir`) and its submodules.
fn load_file(
    krate: &mut Crate,
    file: PathBuf,
    dir: PathBuf,
    path: Vec<String>,
    parent: Option<usize>,
) -> usize {
    let items = parse(&file).items;
    add_module(krate, items, dir, path, parent)
}

fn add_module(
    krate: &mut Crate,
    items: Vec<syn::Item>,
    dir: PathBuf,
    path: Vec<String>,
    parent: Option<usize>,
) -> usize {
    let items: Vec<syn::Item> = items
        .into_iter()
        .filter(|i| !is_cfg_test(item_attrs(i)))
        .collect();
    let id = krate.modules.len();
    krate.modules.push(Module {
        path: path.clone(),
        parent,
        items: Vec::new(),
        children: BTreeMap::new(),
    });
    for item in &items {
        let syn::Item::Mod(m) = item else { continue };
        let name = m.ident.to_string();
        let mut child_path = path.clone();
        child_path.push(name.clone());
        let child = match &m.content {
            Some((_, inner)) => {
                add_module(krate, inner.clone(), dir.join(&name), child_path, Some(id))
            }
            None => {
                let flat = dir.join(format!("{name}.rs"));
                let (file, child_dir) = if flat.exists() {
                    (flat, dir.join(&name))
                } else {
                    (dir.join(&name).join("mod.rs"), dir.join(&name))
                };
                load_file(krate, file, child_dir, child_path, Some(id))
            }
        };
        krate.modules[id].children.insert(name, child);
    }
    krate.modules[id].items = items;
    id
}

// ---------------------------------------------------------------------------------------------
// Resolving names.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Def {
    Module(usize),
    /// A module and the index of the item in it.
    Item(usize, usize),
    /// Something of another crate (or a primitive): its path as written.
    External(String),
}

/// One name a `use` binds: the name, the path it stands for, and whether it is a glob.
struct UseLeaf {
    name: Option<String>,
    path: Vec<String>,
    glob: bool,
}

fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseLeaf>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                out.push(UseLeaf {
                    name: prefix.last().cloned(),
                    path: prefix.clone(),
                    glob: false,
                });
            } else {
                let mut path = prefix.clone();
                path.push(name.clone());
                out.push(UseLeaf {
                    name: Some(name),
                    path,
                    glob: false,
                });
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            let name = r.rename.to_string();
            out.push(UseLeaf {
                name: (name != "_").then_some(name),
                path,
                glob: false,
            });
        }
        syn::UseTree::Glob(_) => out.push(UseLeaf {
            name: None,
            path: prefix.clone(),
            glob: true,
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_leaves(t, prefix, out);
            }
        }
    }
}

impl Crate {
    /// What `name` means in module `m`: its items and submodules, then its imports.
    fn lookup(&self, m: usize, name: &str, depth: usize) -> Vec<Def> {
        if depth > 32 {
            return Vec::new();
        }
        let module = &self.modules[m];
        let mut found = Vec::new();
        if let Some(&child) = module.children.get(name) {
            found.push(Def::Module(child));
        }
        for (i, item) in module.items.iter().enumerate() {
            if item_name(item).as_deref() == Some(name) {
                found.push(Def::Item(m, i));
            }
        }
        let mut globs = Vec::new();
        for item in &module.items {
            let syn::Item::Use(u) = item else { continue };
            let mut leaves = Vec::new();
            use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
            for leaf in leaves {
                if leaf.glob {
                    globs.push(leaf.path);
                } else if leaf.name.as_deref() == Some(name) {
                    found.extend(self.resolve_use(m, &leaf.path, depth + 1));
                }
            }
        }
        if found.is_empty() {
            for glob in globs {
                for def in self.resolve(m, &glob, depth + 1) {
                    if let Def::Module(g) = def {
                        found.extend(self.lookup(g, name, depth + 1));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    /// What the path `segments`, written in module `m`, names. Empty when nothing local does
    /// and the path cannot be another crate's.
    fn resolve(&self, m: usize, segments: &[String], depth: usize) -> Vec<Def> {
        let Some((first, rest)) = segments.split_first() else {
            return vec![Def::Module(m)];
        };
        let mut defs = match first.as_str() {
            "crate" => vec![Def::Module(0)],
            "self" => vec![Def::Module(m)],
            "super" => vec![Def::Module(self.modules[m].parent.unwrap_or(0))],
            _ => {
                let local = self.lookup(m, first, depth);
                if local.is_empty() {
                    let is_crate = first.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        && (!rest.is_empty() || first == "std" || first == "core");
                    if !is_crate {
                        return Vec::new();
                    }
                    vec![Def::External(first.clone())]
                } else {
                    local
                }
            }
        };
        for seg in rest {
            defs = defs
                .into_iter()
                .flat_map(|d| match d {
                    Def::Module(x) => self.lookup(x, seg, depth + 1),
                    Def::External(p) => vec![Def::External(format!("{p}::{seg}"))],
                    // An enum's variant or an associated item: not followed.
                    Def::Item(..) => Vec::new(),
                })
                .collect();
        }
        defs
    }

    /// What a `use` path names: as [`Crate::resolve`], and a lone unknown name is a crate.
    fn resolve_use(&self, m: usize, segments: &[String], depth: usize) -> Vec<Def> {
        let defs = self.resolve(m, segments, depth);
        if defs.is_empty() && segments.len() == 1 {
            return vec![Def::External(segments[0].clone())];
        }
        defs
    }

    fn item(&self, m: usize, i: usize) -> &syn::Item {
        &self.modules[m].items[i]
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering tokens as a person writes them.

fn tidy(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_tokens(tokens, &mut out);
    out.trim().to_string()
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            TokenTree::Ident(id) => word(out, &id.to_string()),
            TokenTree::Literal(l) => word(out, &l.to_string()),
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket if out.ends_with(|c: char| c.is_alphanumeric()) => {
                        (" [", "]")
                    }
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => (" { ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(g.stream(), out);
                trim_end_spaces(out);
                if g.delimiter() == Delimiter::Brace && out.ends_with(',') {
                    out.pop();
                }
                out.push_str(close);
            }
            TokenTree::Punct(_) => {
                // Joint punctuation (`::`, `->`, `'a`) is one operator.
                let mut op = String::new();
                while let Some(TokenTree::Punct(p)) = trees.get(i) {
                    op.push(p.as_char());
                    if p.spacing() == Spacing::Alone || p.as_char() == '\'' {
                        break;
                    }
                    i += 1;
                }
                punct(out, &op);
            }
        }
        i += 1;
    }
}

fn word(out: &mut String, w: &str) {
    let last = out.chars().last();
    let glue = matches!(
        last,
        None | Some(' ' | '(' | '[' | '<' | '&' | '\'' | ':' | '!' | '*' | '?' | '#')
    );
    // `::` and a lone `:` both end in ':'; a lone one has its space already.
    if !glue {
        out.push(' ');
    }
    out.push_str(w);
}

fn punct(out: &mut String, op: &str) {
    match op {
        "," | ";" => {
            trim_end_spaces(out);
            out.push_str(op);
            out.push(' ');
        }
        ":" => {
            trim_end_spaces(out);
            out.push_str(": ");
        }
        "::" => out.push_str("::"),
        "<" => {
            trim_end_spaces(out);
            out.push('<');
        }
        ">" => {
            trim_end_spaces(out);
            out.push('>');
        }
        "->" | "=" | "+" | "=>" => {
            trim_end_spaces(out);
            out.push(' ');
            out.push_str(op);
            out.push(' ');
        }
        "'" => {
            let last = out.chars().last();
            if !matches!(last, None | Some(' ' | '(' | '[' | '<' | '&')) {
                out.push(' ');
            }
            out.push('\'');
        }
        "&" | "&&" | "!" | "*" | "?" | "#" => {
            let last = out.chars().last();
            if !matches!(last, None | Some(' ' | '(' | '[' | '<' | '&' | '*')) {
                out.push(' ');
            }
            out.push_str(op);
        }
        _ => {
            out.push_str(op);
        }
    }
}

fn trim_end_spaces(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
}

// ---------------------------------------------------------------------------------------------
// The walk.

struct Api<'k> {
    krate: &'k Crate,
    /// Every public path of each item, with whether the path is hidden.
    paths: BTreeMap<Def, BTreeSet<(bool, String)>>,
    lines: BTreeSet<String>,
    seen: BTreeSet<(usize, String)>,
}

fn hidden_prefix(hidden: bool) -> &'static str {
    if hidden {
        "#[doc(hidden)] "
    } else {
        ""
    }
}

fn kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Const(_) => "const",
        syn::Item::Enum(_) => "enum",
        syn::Item::Fn(_) => "fn",
        syn::Item::Static(_) => "static",
        syn::Item::Struct(_) => "struct",
        syn::Item::Trait(_) => "trait",
        syn::Item::Type(_) => "type",
        syn::Item::Union(_) => "union",
        syn::Item::Macro(_) => "macro",
        _ => "item",
    }
}

impl<'k> Api<'k> {
    fn new(krate: &'k Crate) -> Self {
        Api {
            krate,
            paths: BTreeMap::new(),
            lines: BTreeSet::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Lists what module `m` makes public at `path`.
    fn module(&mut self, m: usize, path: &str, hidden: bool) {
        if !self.seen.insert((m, path.to_string())) {
            return;
        }
        self.paths
            .entry(Def::Module(m))
            .or_default()
            .insert((hidden, path.to_string()));
        let krate = self.krate;
        for (i, item) in krate.modules[m].items.iter().enumerate() {
            if !item_vis(item).is_some_and(is_pub) {
                continue;
            }
            let hidden = hidden || is_doc_hidden(item_attrs(item));
            match item {
                syn::Item::Mod(md) => {
                    let name = md.ident.to_string();
                    let child = krate.modules[m].children[&name];
                    self.module(child, &format!("{path}::{name}"), hidden);
                }
                syn::Item::Use(u) => {
                    let mut leaves = Vec::new();
                    use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
                    for leaf in leaves {
                        let defs = krate.resolve_use(m, &leaf.path, 0);
                        assert!(
                            !defs.is_empty(),
                            "`pub use {}` in `{path}` resolves to nothing",
                            leaf.path.join("::")
                        );
                        for def in defs {
                            match (&leaf.name, def) {
                                (_, Def::Module(g)) if leaf.glob => {
                                    self.glob(g, path, hidden);
                                }
                                (Some(name), def) => self.reexport(def, path, name, hidden),
                                _ => {}
                            }
                        }
                    }
                }
                other => {
                    if let Some(name) = item_name(other) {
                        self.reexport(Def::Item(m, i), path, &name, hidden);
                    }
                }
            }
        }
    }

    fn glob(&mut self, g: usize, path: &str, hidden: bool) {
        let krate = self.krate;
        for (i, item) in krate.modules[g].items.iter().enumerate() {
            if item_vis(item).is_some_and(is_pub) {
                if let Some(name) = item_name(item) {
                    let hidden = hidden || is_doc_hidden(item_attrs(item));
                    self.reexport(Def::Item(g, i), path, &name, hidden);
                }
            }
        }
        for (name, &child) in &krate.modules[g].children {
            let public = krate.modules[g]
                .items
                .iter()
                .any(|it| matches!(it, syn::Item::Mod(md) if md.ident == name && is_pub(&md.vis)));
            if public {
                self.module(child, &format!("{path}::{name}"), hidden);
            }
        }
    }

    /// `def` is public at `path::name`.
    fn reexport(&mut self, def: Def, path: &str, name: &str, hidden: bool) {
        let full = format!("{path}::{name}");
        match def {
            Def::Module(x) => self.module(x, &full, hidden),
            Def::External(p) => {
                self.lines
                    .insert(format!("{}pub use {full} = {p}", hidden_prefix(hidden)));
            }
            def @ Def::Item(..) => {
                self.paths.entry(def).or_default().insert((hidden, full));
            }
        }
    }

    /// The path an item is listed under: its shortest visible path outside the prelude.
    fn canonical(&self, def: &Def) -> Option<(bool, String)> {
        self.paths
            .get(def)?
            .iter()
            .min_by_key(|(hidden, p)| {
                let prelude = p.contains("::prelude::");
                (*hidden, prelude, p.matches("::").count(), p.clone())
            })
            .cloned()
    }

    /// Writes the paths in `tokens` (written in module `m`) out in full.
    fn qualify<'s, T: ToTokens + Clone>(
        &'s self,
        m: usize,
        node: &T,
        f: fn(&mut Qualify<'s, 'k>, &mut T),
    ) -> String {
        let mut node = node.clone();
        f(
            &mut Qualify {
                api: self,
                module: m,
            },
            &mut node,
        );
        tidy(node.to_token_stream())
    }

    /// The full path of what `path` (written in module `m`) names: the public path of its
    /// longest prefix that names something, and the rest as written. `None` when it names
    /// nothing of this crate's or another's (a generic parameter, `String`, `Self`).
    fn full_path(&self, m: usize, path: &syn::Path) -> Option<syn::Path> {
        if path.leading_colon.is_some() || path.segments[0].ident == "Self" {
            return None;
        }
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let (k, def) = (1..=segments.len()).rev().find_map(|k| {
            let defs = self.krate.resolve(m, &segments[..k], 0);
            defs.into_iter().next().map(|d| (k, d))
        })?;
        let head = match &def {
            Def::External(p) => p.clone(),
            _ => match self.canonical(&def) {
                Some((_, p)) => p,
                None => {
                    // Not public: named by its place in the crate.
                    let (mm, name) = match &def {
                        Def::Module(x) => (*x, None),
                        Def::Item(x, i) => (*x, item_name(self.krate.item(*x, *i))),
                        Def::External(_) => unreachable!(),
                    };
                    let mut p = vec!["crate".to_string()];
                    p.extend(self.krate.modules[mm].path.iter().cloned());
                    p.extend(name);
                    p.join("::")
                }
            },
        };
        let mut text = format!(
            "{head}{}",
            tidy(path.segments[k - 1].arguments.to_token_stream())
        );
        for seg in path.segments.iter().skip(k) {
            text.push_str("::");
            text.push_str(&tidy(seg.to_token_stream()));
        }
        Some(syn::parse_str(&text).unwrap_or_else(|e| panic!("`{text}` is a path: {e}")))
    }

    fn lines_for_items(&mut self) {
        let defs: Vec<Def> = self.paths.keys().cloned().collect();
        for def in defs {
            if let Def::Module(m) = def {
                for (hidden, path) in &self.paths[&def] {
                    if m != 0 {
                        self.lines
                            .insert(format!("{}pub mod {path}", hidden_prefix(*hidden)));
                    }
                }
                continue;
            }
            let Def::Item(m, i) = def else { continue };
            let krate = self.krate;
            let item = krate.item(m, i);
            let paths = self.paths[&def].clone();
            let (canon_hidden, canon) = self.canonical(&def).expect("listed");
            for (hidden, path) in &paths {
                let line = self.header(m, item, path);
                self.lines
                    .insert(format!("{}{line}", hidden_prefix(*hidden)));
            }
            let hp = hidden_prefix(canon_hidden);
            match item {
                syn::Item::Struct(s) => {
                    for (n, f) in s.fields.iter().enumerate() {
                        if !is_pub(&f.vis) {
                            continue;
                        }
                        let name = f.ident.as_ref().map_or(n.to_string(), |i| i.to_string());
                        let ty = self.qualify(m, &f.ty, Qualify::visit_type_mut);
                        let h = hidden_prefix(canon_hidden || is_doc_hidden(&f.attrs));
                        self.lines
                            .insert(format!("{h}pub field {canon}::{name}: {ty}"));
                    }
                    self.derives(&s.attrs, &canon, hp);
                }
                syn::Item::Enum(e) => {
                    for v in &e.variants {
                        let mut fields = v.fields.clone();
                        for f in fields.iter_mut() {
                            f.attrs.clear();
                        }
                        let fields = self.qualify(m, &fields, Qualify::visit_fields_mut);
                        let fields = if fields.starts_with('{') {
                            format!(" {fields}")
                        } else {
                            fields
                        };
                        let h = hidden_prefix(canon_hidden || is_doc_hidden(&v.attrs));
                        let ne = if has_attr(&v.attrs, "non_exhaustive") {
                            "#[non_exhaustive] "
                        } else {
                            ""
                        };
                        self.lines
                            .insert(format!("{h}{ne}pub variant {canon}::{}{fields}", v.ident));
                    }
                    self.derives(&e.attrs, &canon, hp);
                }
                syn::Item::Trait(t) => {
                    for ti in &t.items {
                        let (attrs, line) = match ti {
                            syn::TraitItem::Fn(f) => {
                                let body = if f.default.is_some() { " { .. }" } else { "" };
                                let path = format!("{canon}::{}", f.sig.ident);
                                (
                                    &f.attrs,
                                    format!("pub {}{body}", self.sig(m, &path, &f.sig)),
                                )
                            }
                            syn::TraitItem::Type(ty) => {
                                let mut line = format!(
                                    "pub type {canon}::{}{}",
                                    ty.ident,
                                    self.qualify(m, &ty.generics, Qualify::visit_generics_mut)
                                );
                                line.push_str(&self.bounds(m, &ty.bounds));
                                (&ty.attrs, line)
                            }
                            syn::TraitItem::Const(c) => (
                                &c.attrs,
                                format!(
                                    "pub const {canon}::{}: {}",
                                    c.ident,
                                    self.qualify(m, &c.ty, Qualify::visit_type_mut)
                                ),
                            ),
                            _ => continue,
                        };
                        let h = hidden_prefix(canon_hidden || is_doc_hidden(attrs));
                        self.lines.insert(format!("{h}{line}"));
                    }
                }
                _ => {}
            }
        }
    }

    fn derives(&mut self, attrs: &[syn::Attribute], canon: &str, hp: &str) {
        for a in attrs {
            if !a.path().is_ident("derive") {
                continue;
            }
            let _ = a.parse_nested_meta(|meta| {
                let name = meta
                    .path
                    .segments
                    .last()
                    .expect("a derive")
                    .ident
                    .to_string();
                self.lines.insert(format!("{hp}impl {name} for {canon}"));
                Ok(())
            });
        }
    }

    /// `: A + B` for the bounds written in module `m`, or nothing.
    fn bounds(
        &self,
        m: usize,
        bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    ) -> String {
        if bounds.is_empty() {
            return String::new();
        }
        let mut bounds = bounds.clone();
        let mut q = Qualify {
            api: self,
            module: m,
        };
        for b in bounds.iter_mut() {
            q.visit_type_param_bound_mut(b);
        }
        format!(": {}", tidy(bounds.to_token_stream()))
    }

    /// The first line of an item at `path`.
    fn header(&self, m: usize, item: &syn::Item, path: &str) -> String {
        let ne = if has_attr(item_attrs(item), "non_exhaustive") {
            "#[non_exhaustive] "
        } else {
            ""
        };
        let k = kind(item);
        let rest = match item {
            syn::Item::Fn(f) => return format!("pub {}", self.sig(m, path, &f.sig)),
            syn::Item::Struct(s) => self.qualify(m, &s.generics, Qualify::visit_generics_mut),
            syn::Item::Enum(e) => self.qualify(m, &e.generics, Qualify::visit_generics_mut),
            syn::Item::Union(u) => self.qualify(m, &u.generics, Qualify::visit_generics_mut),
            syn::Item::Trait(t) => {
                let generics = self.qualify(m, &t.generics, Qualify::visit_generics_mut);
                format!("{generics}{}", self.bounds(m, &t.supertraits))
            }
            syn::Item::Const(c) => {
                format!(": {}", self.qualify(m, &*c.ty, Qualify::visit_type_mut))
            }
            syn::Item::Static(c) => {
                format!(": {}", self.qualify(m, &*c.ty, Qualify::visit_type_mut))
            }
            syn::Item::Type(t) => format!(
                "{} = {}",
                self.qualify(m, &t.generics, Qualify::visit_generics_mut),
                self.qualify(m, &*t.ty, Qualify::visit_type_mut)
            ),
            _ => String::new(),
        };
        format!("{ne}pub {k} {path}{rest}")
    }

    fn sig(&self, m: usize, path: &str, sig: &syn::Signature) -> String {
        let mut out = String::new();
        if sig.constness.is_some() {
            out.push_str("const ");
        }
        if sig.asyncness.is_some() {
            out.push_str("async ");
        }
        if sig.unsafety.is_some() {
            out.push_str("unsafe ");
        }
        let generics = self.qualify(m, &sig.generics, Qualify::visit_generics_mut);
        let args: Vec<String> = sig
            .inputs
            .iter()
            .map(|arg| match arg {
                syn::FnArg::Receiver(r) => {
                    match (&r.reference, &r.colon_token) {
                        (Some((_, lifetime)), None) => {
                            let lt = lifetime
                                .as_ref()
                                .map(|l| format!("{l} "))
                                .unwrap_or_default();
                            let m = if r.mutability.is_some() { "mut " } else { "" };
                            format!("&{lt}{m}self")
                        }
                        // `mut self` is the body's business, not the caller's.
                        (None, None) => "self".to_string(),
                        _ => format!("self: {}", self.qualify(m, &*r.ty, Qualify::visit_type_mut)),
                    }
                }
                syn::FnArg::Typed(t) => {
                    let name = match &*t.pat {
                        syn::Pat::Ident(p) => p.ident.to_string(),
                        _ => "_".to_string(),
                    };
                    format!(
                        "{name}: {}",
                        self.qualify(m, &*t.ty, Qualify::visit_type_mut)
                    )
                }
            })
            .collect();
        let ret = match &sig.output {
            syn::ReturnType::Default => String::new(),
            syn::ReturnType::Type(_, ty) => {
                format!(" -> {}", self.qualify(m, &**ty, Qualify::visit_type_mut))
            }
        };
        let wc = sig
            .generics
            .where_clause
            .as_ref()
            .map(|w| {
                let w = self.qualify(m, w, Qualify::visit_where_clause_mut);
                format!(" {}", w.trim_end_matches(','))
            })
            .unwrap_or_default();
        write!(out, "fn {path}{generics}({}){ret}{wc}", args.join(", ")).expect("a string");
        out
    }

    /// Methods of inherent impls and the trait impls of public items or public traits.
    fn impls(&mut self) {
        let krate = self.krate;
        for (m, module) in krate.modules.iter().enumerate() {
            for item in &module.items {
                let syn::Item::Impl(imp) = item else { continue };
                let syn::Type::Path(self_ty) = &*imp.self_ty else {
                    continue;
                };
                let self_segments: Vec<String> = self_ty
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let self_def = krate
                    .resolve(m, &self_segments, 0)
                    .into_iter()
                    .find(|d| matches!(d, Def::Item(..)));
                let self_canon = self_def.as_ref().and_then(|d| self.canonical(d));
                let impl_hidden = is_doc_hidden(&imp.attrs);
                match &imp.trait_ {
                    None => {
                        let Some((hidden, canon)) = self_canon else {
                            continue;
                        };
                        for ii in &imp.items {
                            let (vis, attrs, line) = match ii {
                                syn::ImplItem::Fn(f) => (
                                    &f.vis,
                                    &f.attrs,
                                    format!(
                                        "pub {}",
                                        self.sig(m, &format!("{canon}::{}", f.sig.ident), &f.sig)
                                    ),
                                ),
                                syn::ImplItem::Const(c) => (
                                    &c.vis,
                                    &c.attrs,
                                    format!(
                                        "pub const {canon}::{}: {}",
                                        c.ident,
                                        self.qualify(m, &c.ty, Qualify::visit_type_mut)
                                    ),
                                ),
                                _ => continue,
                            };
                            if !is_pub(vis) || is_cfg_test(attrs) {
                                continue;
                            }
                            let h = hidden_prefix(hidden || impl_hidden || is_doc_hidden(attrs));
                            self.lines.insert(format!("{h}{line}"));
                        }
                    }
                    Some((neg, trait_path, _)) => {
                        let segs: Vec<String> = trait_path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect();
                        let trait_def = krate.resolve(m, &segs, 0).into_iter().next();
                        let (trait_name, trait_public, trait_hidden) = match &trait_def {
                            Some(d @ Def::Item(..)) => match self.canonical(d) {
                                Some((h, p)) => (p, true, h),
                                None => continue,
                            },
                            _ => (String::new(), false, false),
                        };
                        let last = trait_path.segments.last().expect("a trait");
                        let trait_name = if trait_public {
                            let mut args = last.arguments.clone();
                            Qualify {
                                api: self,
                                module: m,
                            }
                            .visit_path_arguments_mut(&mut args);
                            format!("{trait_name}{}", tidy(args.to_token_stream()))
                        } else {
                            let mut last = last.clone();
                            Qualify {
                                api: self,
                                module: m,
                            }
                            .visit_path_arguments_mut(&mut last.arguments);
                            tidy(last.to_token_stream())
                        };
                        let self_name = match &self_canon {
                            Some((_, canon)) => {
                                let mut args = self_ty
                                    .path
                                    .segments
                                    .last()
                                    .expect("a type")
                                    .arguments
                                    .clone();
                                Qualify {
                                    api: self,
                                    module: m,
                                }
                                .visit_path_arguments_mut(&mut args);
                                format!("{canon}{}", tidy(args.to_token_stream()))
                            }
                            None if trait_public && self_def.is_none() => {
                                self.qualify(m, &*imp.self_ty, Qualify::visit_type_mut)
                            }
                            None => continue,
                        };
                        let hidden = impl_hidden
                            || trait_hidden
                            || self_canon.as_ref().is_some_and(|(h, _)| *h);
                        let generics = self.qualify(m, &imp.generics, Qualify::visit_generics_mut);
                        let not = if neg.is_some() { "!" } else { "" };
                        self.lines.insert(format!(
                            "{}impl{generics} {not}{trait_name} for {self_name}",
                            hidden_prefix(hidden)
                        ));
                    }
                }
            }
        }
    }
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// Rewrites the paths of a type, generics or fields to their full public paths.
struct Qualify<'a, 'k> {
    api: &'a Api<'k>,
    module: usize,
}

impl VisitMut for Qualify<'_, '_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        for seg in path.segments.iter_mut() {
            self.visit_path_arguments_mut(&mut seg.arguments);
        }
        if let Some(full) = self.api.full_path(self.module, path) {
            *path = full;
        }
    }
}

fn public_api(src: &Path) -> String {
    let krate = load(src);
    let mut api = Api::new(&krate);
    api.module(0, CRATE, false);
    api.lines_for_items();
    api.impls();
    let mut out = String::new();
    for line in &api.lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_public_api_is_the_checked_in_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let now = public_api(&root.join("src"));
    let list = root.join(LIST);
    if std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1") {
        std::fs::write(&list, &now).expect("the list is writable");
        return;
    }
    let before = std::fs::read_to_string(&list).unwrap_or_default();
    if before == now {
        return;
    }
    let old: BTreeSet<&str> = before.lines().collect();
    let new: BTreeSet<&str> = now.lines().collect();
    let mut diff = String::new();
    for line in old.difference(&new) {
        writeln!(diff, "- {line}").expect("a string");
    }
    for line in new.difference(&old) {
        writeln!(diff, "+ {line}").expect("a string");
    }
    panic!(
        "the public API of `{CRATE}` differs from `{LIST}` (- listed, + now):\n{diff}\n\
         (hint: if the change is meant, run `{UPDATE_ENV}=1 cargo test -p {CRATE} --test public_api` \
         and commit `{LIST}` with it)"
    );
}

/// The crate docs name the version of each crate whose types the API shows, as the workspace
/// manifest pins it.
#[test]
fn the_crate_docs_name_the_versions_of_the_crates_in_the_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest =
        std::fs::read_to_string(root.join("../Cargo.toml")).expect("the workspace manifest");
    let docs = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
    let version_re = regex::Regex::new(r#""[~^=]?(\d+\.\d+)"#).expect("a valid regex");
    for krate in ["bollard", "reqwest"] {
        let line = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{krate} = ")))
            .unwrap_or_else(|| panic!("the workspace manifest has no `{krate}` dependency"));
        let version = version_re
            .captures(line)
            .unwrap_or_else(|| panic!("no version in `{line}`"))[1]
            .to_string();
        let row = format!("//! | {krate} | {version} |");
        assert!(
            docs.contains(&row),
            "the crate docs (src/lib.rs) do not say that seaworthy uses {krate} {version}: expected a \
             row `{row} …` in its \"Crates in this API\" table"
        );
    }
}
