//! The TypeScript declarations the contract reaches (each type once, with
//! its dependencies), and the names' camelCase as `invoke` takes them.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use ts_rs::{Config, TypeVisitor, TS};

/// Every declared type reached from the contract, by name, with its declaration.
pub(super) struct Types {
    cfg: Config,
    pub(super) decls: BTreeMap<String, String>,
    /// Every type visited, declared or not: the types refer to themselves
    /// (`JsonValue`) and to each other.
    seen: HashSet<TypeId>,
}

impl Types {
    pub(super) fn new() -> Self {
        Types {
            // Ids and counters stay far below 2^53: plain numbers, as JSON has them.
            cfg: Config::new().with_large_int("number"),
            decls: BTreeMap::new(),
            seen: HashSet::new(),
        }
    }

    /// The TypeScript name of `T`, its declaration (and its dependencies') noted.
    pub(super) fn name_of<T: TS + 'static + ?Sized>(&mut self) -> String {
        self.visit::<T>();
        T::name(&self.cfg)
    }
}

impl TypeVisitor for Types {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let name = T::ident(&self.cfg);
            let docs = T::docs().unwrap_or_default();
            let decl = format!("{docs}export {}", T::decl(&self.cfg));
            self.decls.insert(name, decl);
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

pub(super) fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
