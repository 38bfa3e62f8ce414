//! Projections: the connections between two sets of cells, their synapse
//! type and receptor type.

use crate::backend::{Backend, ConnectionSource, Connections, ProjId, ProjectionSpec, Receptor, SynapseKind};
use crate::connectors::{ConnectContext, Connector, ConnectorOutput};
use crate::error::{Error, Result};
use crate::parameters::Value;
use crate::population::Cells;
use crate::random::{ObjectKind, Streams};
use crate::sim::{ProjRecord, Selection, Sim};
use crate::space::{Position, Space};
use crate::synapses::{SynapseContext, SynapseType};
use rand::Rng;

/// A synapse with fixed weight and delay (PyNN's `StaticSynapse`).
///
/// `weight` is in nA for current-based cells (mV for `IF_curr_delta`), uS
/// for conductance-based cells; `delay` in ms (default: the session's
/// `min_delay`). Either may be a scalar, an array (`n_pre x n_post`,
/// row-major), a random distribution, or a function of the distance between
/// the cells (default positions: cell `i` of a population at x = i).
#[derive(Debug, Clone)]
pub struct StaticSynapse {
    /// Weight. Default 0.
    pub weight: Value,
    /// Delay; `None` means `min_delay`.
    pub delay: Option<Value>,
}

impl Default for StaticSynapse {
    fn default() -> Self {
        StaticSynapse { weight: Value::Scalar(0.0), delay: None }
    }
}

impl StaticSynapse {
    /// A static synapse with the given weight and delay.
    pub fn new(weight: impl Into<Value>, delay: impl Into<Value>) -> Self {
        StaticSynapse { weight: weight.into(), delay: Some(delay.into()) }
    }
}

/// Connections from one set of cells to another (PyNN's `Projection`).
pub struct Projection<B: Backend> {
    pub(crate) sim: Sim<B>,
    id: ProjId,
    label: String,
    pub(crate) pre: Selection,
    pub(crate) post: Selection,
    size: usize,
    /// Receptor type of the post-synaptic side (fixes the sign rule of `set`).
    receptor: &'static str,
    /// Whether the post-synaptic cells are conductance-based.
    conductance: bool,
    /// How distances are measured (distance-dependent values).
    space: Space,
    /// The synapse type's name, attributes and state variables.
    synapse: SynapseInfo,
}

#[derive(Debug, Clone, Copy)]
struct SynapseInfo {
    name: &'static str,
    attributes: &'static [&'static str],
    state: &'static [&'static str],
}

/// Weights of a projection sampled over time ([`Projection::record_weights`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeightHistory {
    /// Sample times (ms).
    pub times: Vec<f64>,
    /// Number of connections (columns of `weights`).
    pub connections: usize,
    /// Row-major samples (nA or uS): one row per time, one column per
    /// connection in list order.
    pub weights: Vec<f64>,
}

impl WeightHistory {
    /// The weights of every connection at sample `i`.
    pub fn sample(&self, i: usize) -> &[f64] {
        &self.weights[i * self.connections..(i + 1) * self.connections]
    }
    /// The weight of connection `k` (list order) at every sample.
    pub fn connection(&self, k: usize) -> Vec<f64> {
        (0..self.times.len()).map(|i| self.weights[i * self.connections + k]).collect()
    }
}

impl<B: Backend> Clone for Projection<B> {
    fn clone(&self) -> Self {
        Projection {
            sim: self.sim.clone(),
            id: self.id,
            label: self.label.clone(),
            pre: self.pre.clone(),
            post: self.post.clone(),
            size: self.size,
            receptor: self.receptor,
            conductance: self.conductance,
            space: self.space.clone(),
            synapse: self.synapse,
        }
    }
}

impl<B: Backend> std::fmt::Debug for Projection<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "projection \"{}\" ({} connections)", self.label, self.size)
    }
}

/// Which receptor a projection targets: by name, or chosen from the sign of
/// the weights as PyNN does when none is given (>= 0: the first receptor,
/// `excitatory`; < 0: the second, `inhibitory`).
pub type ReceptorType<'a> = Option<&'a str>;

impl<B: Backend> Projection<B> {
    /// Connects `pre` to `post` with `connector`, synapses of type `synapse`
    /// (any [`SynapseType`]: [`StaticSynapse`], `TsodyksMarkramSynapse`,
    /// `STDPMechanism`), onto receptor `receptor_type` (`"excitatory"`,
    /// `"inhibitory"`).
    pub fn new(
        pre: &dyn Cells<B>,
        post: &dyn Cells<B>,
        connector: &dyn Connector,
        synapse: impl SynapseType,
        receptor_type: ReceptorType<'_>,
    ) -> Result<Self> {
        Self::with_label(pre, post, connector, synapse, receptor_type, None)
    }

    /// As [`Projection::new`], with a label.
    pub fn with_label(
        pre: &dyn Cells<B>,
        post: &dyn Cells<B>,
        connector: &dyn Connector,
        synapse: impl SynapseType,
        receptor_type: ReceptorType<'_>,
        label: Option<&str>,
    ) -> Result<Self> {
        Self::with_space(pre, post, connector, synapse, receptor_type, Space::default(), label)
    }

    /// As [`Projection::with_label`], measuring distances in `space`
    /// (PyNN's `Projection(..., space=Space(...))`), for distance-dependent
    /// connectors and synaptic values that are functions of distance.
    pub fn with_space(
        pre: &dyn Cells<B>,
        post: &dyn Cells<B>,
        connector: &dyn Connector,
        synapse: impl SynapseType,
        receptor_type: ReceptorType<'_>,
        space: Space,
        label: Option<&str>,
    ) -> Result<Self> {
        space.validate()?;
        let sim = pre.sim().clone();
        if !sim.same_session(post.sim()) {
            return Err(Error::State {
                object: format!("projection {} -> {}", pre.describe(), post.describe()),
                message: "pre and post belong to different sessions".into(),
            });
        }
        let (pre_sel, post_sel) = (pre.selection(), post.selection());
        let mut st = sim.lock();
        st.check_alive()?;
        let id = st.projs.len();
        let label = label.map(str::to_string).unwrap_or_else(|| {
            let l =
                |s: &Selection| s.parts.iter().map(|(p, _)| st.pops[*p].label.clone()).collect::<Vec<_>>().join("+");
            format!("{}→{}", l(&pre_sel), l(&post_sel))
        });
        let object = format!("projection \"{label}\"");
        let global = |s: &Selection| -> Vec<u32> { s.cells().map(|(p, i)| (st.pops[p].offset + i) as u32).collect() };
        let (pre_ids, post_ids) = (global(&pre_sel), global(&post_sel));

        // Post-synaptic side: receptor types and sign rule must be common.
        let infos: Vec<_> = post_sel.parts.iter().map(|(p, _)| st.pops[*p].info).collect();
        let conductance = infos[0].conductance_based;
        if infos.iter().any(|i| i.conductance_based != conductance) {
            return Err(Error::Connection {
                object,
                message: "post-synaptic cells mix current- and conductance-based synapses; a projection needs one kind"
                    .into(),
            });
        }
        if let Some(i) = infos.iter().find(|i| i.receptors.is_empty()) {
            return Err(Error::Connection {
                object,
                message: format!("{} cells have no receptors and cannot be post-synaptic", i.name),
            });
        }

        let positions = |s: &Selection| -> Vec<Position> { s.cells().map(|(p, i)| st.pops[p].positions[i]).collect() };
        let (pre_pos, post_pos) = (positions(&pre_sel), positions(&post_sel));
        let ctx = ConnectContext {
            pre: &pre_ids,
            post: &post_ids,
            pre_positions: &pre_pos,
            post_positions: &post_pos,
            space: &space,
            object: &object,
            streams: st.streams,
            projection: id as u64,
        };
        let parameters = synapse.parameters();
        let n_pre = pre_ids.len();
        // Streamed construction (issue 17): a static projection of one
        // weight and one delay, whose connector generates ranges of post
        // cells on their own, onto post cells in increasing order, is
        // handed to the backend range by range; the native engine packs
        // each target shard's rows as they come, in parallel, and never
        // holds the whole list. Same connections, same order, same checks.
        let plan = if parameters.is_empty() && post_ids.windows(2).all(|w| w[0] < w[1]) {
            stream_plan(&synapse, receptor_type, &infos, conductance, &st.config, &object)
        } else {
            None
        };
        let by_post = match plan {
            Some(_) => connector.by_post(&ctx).transpose()?,
            None => None,
        };
        let (n, receptor) = if let (Some((weight, delay, receptor)), Some(generate)) = (plan, by_post) {
            // Memory: what the backend holds per connection while packing.
            let per_connection = st
                .backend
                .streamed_connection_bytes()
                .unwrap_or_else(|| crate::memory::connection_bytes(parameters.len()));
            let expected = connector.expected_connections(n_pre, post_ids.len());
            if let Some(n) = expected {
                let what = move || format!("{n} connections ({})", connector.name());
                crate::memory::ensure(&object, what, crate::memory::bytes(&[n, per_connection]))?;
            }
            let about = expected.map(|n| format!(" (~{} connections)", crate::progress::count(n))).unwrap_or_default();
            let building = crate::progress::Building::start(st.progress_on(), format!("building {object}{about}"));
            let (name, object) = (connector.name(), object.as_str());
            let checked = |posts: std::ops::Range<usize>| -> Result<(Vec<u32>, Vec<u32>)> {
                let (pre, post) = generate(posts.clone())?;
                check_range(&pre, &post, n_pre, posts, name, object)?;
                Ok((pre, post))
            };
            let source = ConnectionSource { pre: &pre_ids, post: &post_ids, weight, delay, generate: &checked };
            let spec = ProjectionSpec { id, label: &label, receptor, synapse: SynapseKind::Static };
            let n = st.backend.connect_streamed(&spec, &source)?;
            if let Some(b) = building {
                b.finish(format!("built {object}: {} connections", crate::progress::count(n as u64)));
            }
            (n, receptor)
        } else {
            // Memory (memory.rs): estimated from the connector's expected count
            // before generating, and from the actual count before the rest.
            let per_connection = crate::memory::connection_bytes(parameters.len());
            let conns_of = |n: u64| move || format!("{n} connections ({})", connector.name());
            let expected = connector.expected_connections(pre_ids.len(), post_ids.len());
            if let Some(n) = expected {
                crate::memory::ensure(&object, conns_of(n), crate::memory::bytes(&[n, per_connection]))?;
            }
            // A spinner if building takes longer than a second (progress.rs).
            let about = expected.map(|n| format!(" (~{} connections)", crate::progress::count(n))).unwrap_or_default();
            let building = crate::progress::Building::start(st.progress_on(), format!("building {object}{about}"));
            let out = connector.connect(&ctx)?;
            let generated = out.len() as u64;
            crate::memory::ensure(
                &object,
                conns_of(generated),
                crate::memory::bytes(&[generated, per_connection - 8]),
            )?;
            let names: Vec<&'static str> = parameters.iter().map(|(n, _)| *n).collect();
            check_output(&out, pre_ids.len(), post_ids.len(), connector.name(), &object, synapse.name(), &names)?;
            let n = out.pre.len();
            let config = st.config.clone();
            let n_post = post_ids.len();
            let dist = |i: usize, j: usize| space.distance(pre_pos[i], post_pos[j]);
            let mut rng_for = |purpose: &str, d: &crate::random::RandomDistribution| match d.seed() {
                Some(seed) => Streams::new(seed).rng(ObjectKind::User, 0, purpose, 0),
                None => st.rng(ObjectKind::Projection, id as u64, purpose),
            };
            let weight = match &out.weight {
                Some(w) => w.clone(),
                None => values_for(synapse.weight(), "weight", &out, n_pre, n_post, &dist, &object, &mut rng_for)?,
            };
            let delay = match (&out.delay, synapse.delay()) {
                (Some(d), _) => d.clone(),
                (None, Some(v)) => values_for(v, "delay", &out, n_pre, n_post, &dist, &object, &mut rng_for)?,
                (None, None) => vec![config.min_delay; n],
            };
            check_delays(&delay, &config, &object)?;
            let mut columns: Columns = Vec::with_capacity(parameters.len());
            for (name, value) in &parameters {
                let v = match out.columns.iter().find(|(c, _)| c == name) {
                    Some((_, v)) => v.clone(),
                    None => values_for(value, name, &out, n_pre, n_post, &dist, &object, &mut rng_for)?,
                };
                columns.push((name, v));
            }

            let receptor = choose_receptor(receptor_type, &weight, &infos[0], &object)?;
            for info in &infos {
                if !info.receptors.contains(&receptor.name) {
                    return Err(Error::unknown_name(
                        &object,
                        "receptor type",
                        receptor.name,
                        info.receptors.iter().copied(),
                    ));
                }
            }
            check_weights(&weight, conductance, receptor.name, &object)?;

            // List order: by global pre index (stable).
            let (conns, ordered) = sort_by_pre(&out.pre, &out.post, &pre_ids, &post_ids, weight, delay, columns);
            let post_global = &conns.post;
            let post_parameter = |name: &str| -> Option<Vec<f64>> {
                let mut v = Vec::with_capacity(post_global.len());
                for g in post_global {
                    let p = st.pops.iter().find(|p| (*g as usize) >= p.offset && (*g as usize) < p.offset + p.size)?;
                    v.push(p.params.column(name)?.as_scalar()?[*g as usize - p.offset]);
                }
                Some(v)
            };
            let kind = synapse.kind(&SynapseContext {
                object: &object,
                receptor: receptor.name,
                conductance,
                weight: &conns.weight,
                columns: &ordered,
                post_parameter: &post_parameter,
                stream: crate::synapses::stochastic::release_key(config.seed, id),
            })?;
            let spec = ProjectionSpec { id, label: &label, receptor, synapse: kind };
            st.backend.connect(&spec, conns)?;
            if let Some(b) = building {
                b.finish(format!("built {object}: {} connections", crate::progress::count(n as u64)));
            }
            (n, receptor)
        };
        st.projs.push(ProjRecord {
            label: label.clone(),
            pre: pre_sel.clone(),
            post: post_sel.clone(),
            size: n,
            weight_interval: None,
            synapse_type: synapse.name(),
            receptor: receptor.name,
        });
        drop(st);
        Ok(Projection {
            sim,
            id,
            label,
            pre: pre_sel,
            post: post_sel,
            size: n,
            receptor: receptor.name,
            conductance,
            space,
            synapse: SynapseInfo {
                name: synapse.name(),
                attributes: synapse.attributes(),
                state: synapse.state_variables(),
            },
        })
    }

    /// Number of connections.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Number of connections (PyNN's `len(prj)`).
    pub fn len(&self) -> usize {
        self.size
    }

    /// True if there are no connections.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `(pre size, post size)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.pre.len(), self.post.len())
    }

    fn positions(&self) -> Result<(Vec<usize>, Vec<usize>)> {
        let st = self.sim.lock();
        let (pre, post) = st.backend.connections(self.id)?;
        let map = |s: &Selection| -> std::collections::HashMap<u32, usize> {
            s.cells().enumerate().map(|(k, (p, i))| ((st.pops[p].offset + i) as u32, k)).collect()
        };
        let (mpre, mpost) = (map(&self.pre), map(&self.post));
        Ok((pre.iter().map(|g| mpre[g]).collect(), post.iter().map(|g| mpost[g]).collect()))
    }

    /// The space distances are measured in.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// Global indices of the pre and post cells and the (pre position, post
    /// position) pair of every connection, in list order.
    pub(crate) fn connectivity(&self) -> Result<Connectivity> {
        let (pre, post) = self.positions()?;
        let st = self.sim.lock();
        let global = |s: &Selection| -> Vec<u32> { s.cells().map(|(p, i)| (st.pops[p].offset + i) as u32).collect() };
        let pairs = pre.into_iter().zip(post).map(|(i, j)| (i as u32, j as u32)).collect();
        Ok((global(&self.pre), global(&self.post), pairs))
    }

    /// Writes attributes (`["weight", "delay"]`, or `["all"]`) of every
    /// connection in PyNN's list format (`Projection.save(attribute_names,
    /// file, format='list')`): a header `# columns = ['i', 'j', 'weight',
    /// 'delay']`, then one tab-separated row per connection, pre and post
    /// positions first, every number in NumPy's `%.18e` format. The file
    /// reads back with [`crate::FromFileConnector`].
    pub fn save(&self, attribute_names: &[&str], path: impl AsRef<std::path::Path>) -> Result<()> {
        use std::io::Write;
        let names: Vec<&str> =
            if attribute_names == ["all"] { vec!["weight", "delay"] } else { attribute_names.to_vec() };
        let columns: Vec<Vec<f64>> = names.iter().map(|n| self.get_values(n)).collect::<Result<_>>()?;
        let (pre, post) = self.positions()?;
        let path = path.as_ref();
        crate::io::check_file_path(path, &format!("projection \"{}\" save", self.label()))?;
        let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut w = std::io::BufWriter::new(f);
        let header: Vec<String> = ["i", "j"].iter().chain(&names).map(|n| format!("'{n}'")).collect();
        let mut write = || -> std::io::Result<()> {
            writeln!(w, "# columns = [{}]", header.join(", "))?;
            let mut line = String::new();
            for k in 0..pre.len() {
                line.clear();
                line.push_str(&numpy_e18(pre[k] as f64));
                line.push('\t');
                line.push_str(&numpy_e18(post[k] as f64));
                for c in &columns {
                    line.push('\t');
                    line.push_str(&numpy_e18(c[k]));
                }
                writeln!(w, "{line}")?;
            }
            w.flush()
        };
        write().map_err(|e| Error::io(path, e))
    }

    /// Values of attribute `name` (`"weight"`, `"delay"`) in list form:
    /// `(pre position, post position, value)` per connection, in list order.
    pub fn get_list(&self, name: &str) -> Result<Vec<(usize, usize, f64)>> {
        let values = self.get_values(name)?;
        let (pre, post) = self.positions()?;
        Ok(pre.into_iter().zip(post).zip(values).map(|((i, j), v)| (i, j, v)).collect())
    }

    /// Values of attribute `name` for every connection, in list order,
    /// without addresses (PyNN's `with_address=False`).
    pub fn get_values(&self, name: &str) -> Result<Vec<f64>> {
        check_attribute(name, &self.label, &self.synapse)?;
        self.sim.lock().backend.get_synaptic(self.id, name)
    }

    /// Values of attribute `name` in array form: `n_pre x n_post` rows with
    /// NaN where there is no connection; several connections between one
    /// pair are summed (PyNN's `multiple_synapses='sum'`).
    ///
    /// The dense array is estimated first (`n_pre x n_post x 8` bytes, plus
    /// a row header each): an [`Error::Memory`] if it cannot fit.
    pub fn get_array(&self, name: &str) -> Result<Vec<Vec<f64>>> {
        check_attribute(name, &self.label, &self.synapse)?;
        let (n_pre, n_post) = self.shape();
        let object = format!("projection \"{}\"", self.label);
        let what = || format!("a dense {n_pre} x {n_post} array of `{name}`");
        let dense = crate::memory::bytes(&[n_pre as u64, n_post as u64, 8]);
        crate::memory::ensure(&object, what, crate::memory::sum(&[dense, crate::memory::bytes(&[n_pre as u64, 24])]))?;
        let mut a = crate::memory::try_with_capacity(&object, what, n_pre)?;
        for _ in 0..n_pre {
            a.push(crate::memory::try_vec(&object, what, n_post, f64::NAN)?);
        }
        for (i, j, v) in self.get_list(name)? {
            a[i][j] = if a[i][j].is_nan() { v } else { a[i][j] + v };
        }
        Ok(a)
    }

    /// Sets attribute `name`: `"weight"`, `"delay"` or any parameter of the
    /// synapse type (`U`, `tau_rec`, `tau_facil` of a
    /// `TsodyksMarkramSynapse`; `tau_plus`, `A_plus`, `w_max`, ... of an
    /// `STDPMechanism`), as PyNN's `prj.set(U=0.2)`: a scalar, an array of
    /// one value per connection (list order) or `n_pre x n_post` values
    /// (row-major, every connection of a pair gets its pair's value), a
    /// random distribution, or a function of distance. The new value holds
    /// from the current time on and is kept by `reset()`; synaptic state
    /// (`u`, `x`, `y`) is set with [`Projection::initialize`].
    ///
    /// Parameters are checked against PyNN's domains (`U` in (0, 1], time
    /// constants > 0 ms, bounds and amplitudes >= 0); what one connection's
    /// other parameters constrain (`w_min <= w_max`, a weight within the
    /// bounds) the backend checks, before anything changes. Parameters with
    /// one value per projection (`tau_minus` of `SpikePairRule`, `tau` of
    /// `Vogels2011Rule`: the post-synaptic trace's time constant) take a
    /// single value; a backend that cannot change one says so with an
    /// [`Error::Unsupported`].
    pub fn set(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        check_attribute(name, &self.label, &self.synapse)?;
        if self.synapse.state.contains(&name) {
            return Err(Error::invalid_value(
                format!("projection \"{}\" ({})", self.label, self.synapse.name),
                "attribute",
                name,
                "`weight`, `delay` or a parameter of the synapse type (synaptic state such as this is set with \
                 `Projection::initialize`)",
            ));
        }
        let value = value.into();
        let (pre, post) = self.positions()?;
        let object = format!("projection \"{}\"", self.label);
        let out = ConnectorOutput {
            pre: pre.iter().map(|x| *x as u32).collect(),
            post: post.iter().map(|x| *x as u32).collect(),
            ..Default::default()
        };
        let pre_pos = crate::positions::positions_of(&self.sim, &self.pre);
        let post_pos = crate::positions::positions_of(&self.sim, &self.post);
        let dist = |i: usize, j: usize| self.space.distance(pre_pos[i], post_pos[j]);
        let mut st = self.sim.lock();
        st.check_alive()?;
        let id = self.id;
        let values = {
            let mut rng_for = |purpose: &str, d: &crate::random::RandomDistribution| match d.seed() {
                Some(seed) => Streams::new(seed).rng(ObjectKind::User, 0, purpose, 0),
                None => st.rng(ObjectKind::Projection, id as u64, purpose),
            };
            let (n_pre, n_post) = (pre_pos.len(), post_pos.len());
            values_for(&value, name, &out, n_pre, n_post, &dist, &object, &mut rng_for)?
        };
        match name {
            "delay" => check_delays(&values, &st.config, &object)?,
            // PyNN's sign rule for the receptor type chosen at creation.
            "weight" => check_weights(&values, self.conductance, self.receptor, &object)?,
            _ => check_synapse_parameter(name, &values, &format!("{object} ({})", self.synapse.name))?,
        }
        st.backend.set_synaptic(self.id, name, &values)
    }
}

impl<B: Backend> Projection<B> {
    /// The synapse type's name (`"StaticSynapse"`, `"STDPMechanism"`, ...).
    pub fn synapse_type(&self) -> &'static str {
        self.synapse.name
    }

    /// Sets state variable `name` of every synapse (for
    /// `TsodyksMarkramSynapse`: `"u"`, `"x"`, `"y"`) now and as its value
    /// after `reset()` (PyNN's `Projection.initialize`): a scalar, one value
    /// per connection (list order), `n_pre x n_post` values, a random
    /// distribution or a function of distance.
    pub fn initialize(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        let object = format!("projection \"{}\" ({})", self.label, self.synapse.name);
        if !self.synapse.state.contains(&name) {
            return Err(Error::unknown_name(object, "state variable", name, self.synapse.state.iter().copied()));
        }
        let value = value.into();
        let (pre, post) = self.positions()?;
        let out = ConnectorOutput {
            pre: pre.iter().map(|x| *x as u32).collect(),
            post: post.iter().map(|x| *x as u32).collect(),
            ..Default::default()
        };
        let pre_pos = crate::positions::positions_of(&self.sim, &self.pre);
        let post_pos = crate::positions::positions_of(&self.sim, &self.post);
        let dist = |i: usize, j: usize| self.space.distance(pre_pos[i], post_pos[j]);
        let mut st = self.sim.lock();
        st.check_alive()?;
        let id = self.id;
        let values = {
            let mut rng_for = |purpose: &str, d: &crate::random::RandomDistribution| match d.seed() {
                Some(seed) => Streams::new(seed).rng(ObjectKind::User, 0, purpose, 0),
                None => st.rng(ObjectKind::Projection, id as u64, purpose),
            };
            values_for(&value, name, &out, pre_pos.len(), post_pos.len(), &dist, &object, &mut rng_for)?
        };
        if let Some(v) = values.iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(Error::invalid_value(&object, name, v, "a fraction in [0, 1]"));
        }
        st.backend.initialize_synaptic(self.id, name, &values)
    }

    /// Starts sampling the weights of every connection every
    /// `sampling_interval` ms (a multiple of the time step): samples at
    /// t = 0, interval, 2 interval, ... up to the current time, each holding
    /// the updates of every pre-synaptic spike emitted up to and including
    /// its time (PyNN's requested `record('weight')`). Read them with
    /// [`Projection::weight_history`]; `reset()` clears them.
    ///
    /// Backends: native, NEURON and Brian2 sample during the run; NEST
    /// stops the run at every sample time and reads the connections with
    /// `GetStatus` (PyNN's weight-recorder callback), which needs the
    /// interval to be a multiple of `min_delay` (NEST applies spikes to
    /// its synapses once per `min_delay` slice; any interval when
    /// `min_delay` is the time step, the default): otherwise
    /// [`Error::Unsupported`]. The samples are the same on all four (to
    /// rounding; NEST's stochastic synapses draw their own numbers). A
    /// projection with static synapses has nothing to sample (an error).
    pub fn record_weights(&self, sampling_interval: f64) -> Result<()> {
        let mut st = self.sim.lock();
        st.check_alive()?;
        let dt = st.config.timestep;
        let steps = (sampling_interval / dt).round();
        if !sampling_interval.is_finite()
            || steps < 1.0
            || ((steps * dt) - sampling_interval).abs() > 1e-9 * dt.max(1.0)
        {
            return Err(Error::invalid_value(
                format!("projection \"{}\"", self.label),
                "sampling_interval",
                sampling_interval,
                format!("a positive multiple of the time step ({dt} ms)"),
            ));
        }
        st.backend.record_weights(self.id, Some(steps as u64))?;
        st.projs[self.id].weight_interval = Some(steps as u64);
        Ok(())
    }

    /// Stops sampling the weights (samples taken so far are kept).
    pub fn stop_recording_weights(&self) -> Result<()> {
        let mut st = self.sim.lock();
        st.backend.record_weights(self.id, None)?;
        st.projs[self.id].weight_interval = None;
        Ok(())
    }

    /// The weights sampled since [`Projection::record_weights`] or the last
    /// `reset()`.
    pub fn weight_history(&self) -> Result<WeightHistory> {
        let st = self.sim.lock();
        let dt = st.config.timestep;
        let raw = st.backend.recorded_weights(self.id)?;
        Ok(WeightHistory {
            times: raw.steps.iter().map(|k| *k as f64 * dt).collect(),
            connections: self.size,
            weights: raw.data,
        })
    }

    /// The samples of synaptic state variable `name` of a
    /// `TsodyksMarkramSynapse` projection (`"u"`, `"x"`, `"y"`; PyNN issue
    /// #441), taken with the weights ([`Projection::record_weights`]) at the
    /// same times, one column per connection in list order.
    ///
    /// The value sampled at time `t` is the state left by the latest
    /// pre-synaptic spike emitted at or before `t` (with its initial value
    /// before the first): `u` after the facilitation step, `x` and `y` after
    /// the release, as NEST's `tsodyks_synapse` stores them and `GetStatus`
    /// shows them. It is not propagated from that spike to `t` (the
    /// recovery of `x` between spikes is applied at the next spike). The
    /// same for the stochastic synapses' state (`u`, `R` of
    /// `StochasticTsodyksMarkramSynapse`, `u`, `a` of
    /// `MultiQuantalSynapse`). Recorded on native, NEURON, Brian2 and NEST
    /// (`tsodyks_synapse`, `quantal_stp_synapse`: read at each sample
    /// time, see [`Projection::record_weights`]); empty before recording
    /// starts. Details per backend are in docs/pynn07.md.
    pub fn state_history(&self, name: &str) -> Result<WeightHistory> {
        let object = format!("projection \"{}\" ({})", self.label, self.synapse.name);
        if !self.synapse.state.contains(&name) {
            return Err(Error::unknown_name(object, "state variable", name, self.synapse.state.iter().copied()));
        }
        let st = self.sim.lock();
        let dt = st.config.timestep;
        let raw = st.backend.recorded_synaptic_state(self.id, name)?;
        Ok(WeightHistory {
            times: raw.steps.iter().map(|k| *k as f64 * dt).collect(),
            connections: self.size,
            weights: raw.data,
        })
    }
}

/// The weight, delay and receptor of a projection that can be streamed
/// ([`Backend::connect_streamed`]): a synapse type without parameters of
/// its own whose weight and delay are numbers, which pass the checks the
/// list would pass and give [`SynapseKind::Static`]. `None` when any of
/// this fails, or when the receptor chosen from the weight's sign would
/// depend on whether there are connections at all: the projection then
/// takes the path of the whole list, whose checks and messages decide.
fn stream_plan(
    synapse: &impl SynapseType,
    requested: ReceptorType<'_>,
    infos: &[crate::cells::CellTypeInfo],
    conductance: bool,
    config: &crate::backend::SimConfig,
    object: &str,
) -> Option<(f64, f64, Receptor)> {
    let Value::Scalar(weight) = *synapse.weight() else { return None };
    let delay = match synapse.delay() {
        None => config.min_delay,
        Some(Value::Scalar(d)) => *d,
        Some(_) => return None,
    };
    if requested.is_none() && !conductance && weight < 0.0 {
        return None;
    }
    check_delays(&[delay], config, object).ok()?;
    let receptor = choose_receptor(requested, &[weight], &infos[0], object).ok()?;
    if !infos.iter().all(|i| i.receptors.contains(&receptor.name)) {
        return None;
    }
    check_weights(&[weight], conductance, receptor.name, object).ok()?;
    let kind = synapse.kind(&SynapseContext {
        object,
        receptor: receptor.name,
        conductance,
        weight: &[weight],
        columns: &[],
        post_parameter: &|_| None,
        stream: 0,
    });
    matches!(kind, Ok(SynapseKind::Static)).then_some((weight, delay, receptor))
}

/// Checks one range of a streamed connector's output: equal lengths, pre
/// positions below `n_pre`, post positions inside `posts`.
fn check_range(
    pre: &[u32],
    post: &[u32],
    n_pre: usize,
    posts: std::ops::Range<usize>,
    connector: &str,
    object: &str,
) -> Result<()> {
    if pre.len() != post.len() {
        return Err(Error::LengthMismatch {
            object: object.to_string(),
            what: format!("{connector} output (post cells {posts:?})"),
            expected: pre.len(),
            found: post.len(),
        });
    }
    if let Some(i) = pre.iter().find(|i| **i as usize >= n_pre) {
        return Err(Error::IndexOutOfRange {
            object: format!("{object}: {connector} (pre)"),
            index: *i as usize,
            size: n_pre,
        });
    }
    if let Some(j) = post.iter().find(|j| !posts.contains(&(**j as usize))) {
        return Err(Error::Connection {
            object: object.to_string(),
            message: format!("{connector} returned post position {j} for the range {posts:?}"),
        });
    }
    Ok(())
}

/// Checks a connector's output: matching lengths, positions in range, no
/// attributes a `StaticSynapse` does not have.
fn check_output(
    out: &ConnectorOutput,
    n_pre: usize,
    n_post: usize,
    connector: &str,
    object: &str,
    synapse: &str,
    parameters: &[&'static str],
) -> Result<()> {
    let n = out.pre.len();
    let lens = [Some(out.post.len()), out.weight.as_ref().map(Vec::len), out.delay.as_ref().map(Vec::len)];
    if let Some(found) = lens.into_iter().flatten().chain(out.columns.iter().map(|c| c.1.len())).find(|l| *l != n) {
        return Err(Error::LengthMismatch {
            object: object.to_string(),
            what: format!("{connector} output"),
            expected: n,
            found,
        });
    }
    for (side, v, size) in [("pre", &out.pre, n_pre), ("post", &out.post, n_post)] {
        if let Some(i) = v.iter().find(|i| **i as usize >= size) {
            return Err(Error::IndexOutOfRange {
                object: format!("{object}: {connector} ({side})"),
                index: *i as usize,
                size,
            });
        }
    }
    if let Some((name, _)) = out.columns.iter().find(|(c, _)| !parameters.contains(&c.as_str())) {
        return Err(Error::unknown_name(
            format!("{object} ({synapse})"),
            "attribute",
            name,
            ["weight", "delay"].into_iter().chain(parameters.iter().copied()),
        ));
    }
    Ok(())
}

/// The connector's output as global indices, sorted by global pre-synaptic
/// index (stable: connections of one pre-synaptic cell keep the connector's
/// order), with the per-connection columns in the same order.
///
/// A counting sort that scatters every value straight to its place: one
/// sequential pass over the connector's output, no permutation vector and
/// no random-access gathers (which dominated the construction of large
/// networks). Already sorted output is only mapped.
/// Per-connection columns of synapse parameters besides weight and delay:
/// (parameter name, one value per connection).
type Columns = Vec<(&'static str, Vec<f64>)>;

/// Global indices of the pre and post cells of a projection and the
/// (pre position, post position) pair of every connection.
pub(crate) type Connectivity = (Vec<u32>, Vec<u32>, Vec<(u32, u32)>);

pub(crate) fn sort_by_pre(
    pre: &[u32],
    post: &[u32],
    pre_ids: &[u32],
    post_ids: &[u32],
    weight: Vec<f64>,
    delay: Vec<f64>,
    columns: Columns,
) -> (Connections, Columns) {
    let n = pre.len();
    let global_pre = |k: usize| pre_ids[pre[k] as usize];
    if (1..n).all(|k| global_pre(k - 1) <= global_pre(k)) {
        let conns = Connections {
            pre: (0..n).map(global_pre).collect(),
            post: post.iter().map(|j| post_ids[*j as usize]).collect(),
            weight,
            delay,
        };
        return (conns, columns);
    }
    // Rank of each pre-synaptic position in global order, then the start of
    // each rank's block.
    let mut by_id: Vec<usize> = (0..pre_ids.len()).collect();
    by_id.sort_by_key(|k| pre_ids[*k]);
    let mut rank = vec![0u32; pre_ids.len()];
    for (r, k) in by_id.iter().enumerate() {
        rank[*k] = r as u32;
    }
    let mut start = vec![0usize; pre_ids.len() + 1];
    for p in pre {
        start[rank[*p as usize] as usize + 1] += 1;
    }
    for r in 0..pre_ids.len() {
        start[r + 1] += start[r];
    }
    // The destination of every connection; a column whose values are all
    // equal (bit for bit) is the same in any order and is kept as it is.
    // The pair (pre, post) is scattered as one word, so that each of the
    // thousands of blocks being filled has one cache line in flight, not two.
    let same = |v: &[f64]| v.iter().all(|x| x.to_bits() == v[0].to_bits());
    let need_dest = !same(&weight) || !same(&delay) || !columns.is_empty();
    let mut pairs = vec![0u64; n];
    let mut dest: Vec<usize> = Vec::with_capacity(if need_dest { n } else { 0 });
    for (&p, &q) in pre.iter().zip(post) {
        let p = p as usize;
        let slot = &mut start[rank[p] as usize];
        let at = *slot;
        *slot += 1;
        pairs[at] = (u64::from(pre_ids[p]) << 32) | u64::from(post_ids[q as usize]);
        if need_dest {
            dest.push(at);
        }
    }
    let scatter = |v: Vec<f64>| -> Vec<f64> {
        if same(&v) {
            return v;
        }
        let mut out = vec![0.0; v.len()];
        for (x, at) in v.iter().zip(&dest) {
            out[*at] = *x;
        }
        out
    };
    let conns = Connections {
        pre: pairs.iter().map(|x| (x >> 32) as u32).collect(),
        post: pairs.iter().map(|x| *x as u32).collect(),
        weight: scatter(weight),
        delay: scatter(delay),
    };
    let sorted = columns.into_iter().map(|(c, v)| (c, scatter(v))).collect();
    (conns, sorted)
}

/// `x` as NumPy's `'%.18e'` prints it (`1.500000000000000000e+00`).
fn numpy_e18(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let s = format!("{x:.18e}");
    let (m, e) = s.split_once('e').expect("exponent form");
    let e: i32 = e.parse().expect("integer exponent");
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Synapse parameters with one value per projection: a property of the
/// post-synaptic trace shared by every connection.
const PROJECTION_WIDE: [&str; 2] = ["tau_minus", "tau"];

/// Checks new values of synapse parameter `name` against its domain in
/// PyNN's tables (`pynn_schema::synapses`), and that a parameter with one
/// value per projection gets one value.
fn check_synapse_parameter(name: &str, values: &[f64], object: &str) -> Result<()> {
    use pynn_schema::synapses as t;
    let tables = [t::TsodyksMarkramSynapse].into_iter().chain(t::TIMING_DEPENDENCES.iter().copied());
    let spec = tables.chain(t::WEIGHT_DEPENDENCES.iter().copied()).find_map(|t| t.parameter(name));
    if let Some(spec) = spec {
        let allowed = match spec.domain {
            pynn_schema::Domain::Positive => "a value > 0",
            pynn_schema::Domain::NonNegative => "a value >= 0",
            pynn_schema::Domain::PositiveFraction => "a value in (0, 1]",
            pynn_schema::Domain::Fraction => "a value in [0, 1]",
            _ => "a finite value",
        };
        if let Some(v) = values.iter().find(|v| !spec.domain.check_scalar(**v)) {
            let unit = if spec.unit.is_empty() || spec.unit == t::WEIGHT_UNIT {
                String::new()
            } else {
                format!(" {}", spec.unit)
            };
            return Err(Error::invalid_value(object, name, v, format!("{allowed}{unit}")));
        }
    } else if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::invalid_value(object, name, v, "a finite value"));
    }
    if PROJECTION_WIDE.contains(&name)
        && let Some(v) = values.iter().find(|v| **v != values[0])
    {
        return Err(Error::invalid_value(
            object,
            name,
            v,
            format!(
                "one value for the whole projection ({}: the post-synaptic trace's time constant, shared by every \
                 connection)",
                values[0]
            ),
        ));
    }
    Ok(())
}

fn check_attribute(name: &str, label: &str, synapse: &SynapseInfo) -> Result<()> {
    if name == "weight" || name == "delay" || synapse.attributes.contains(&name) {
        Ok(())
    } else {
        Err(Error::unknown_name(
            format!("projection \"{label}\" ({})", synapse.name),
            "attribute",
            name,
            ["weight", "delay"].into_iter().chain(synapse.attributes.iter().copied()),
        ))
    }
}

#[allow(clippy::too_many_arguments)]
fn values_for(
    value: &Value,
    name: &str,
    out: &ConnectorOutput,
    n_pre: usize,
    n_post: usize,
    dist: &dyn Fn(usize, usize) -> f64,
    object: &str,
    rng_for: &mut dyn FnMut(&str, &crate::random::RandomDistribution) -> crate::random::SimRng,
) -> Result<Vec<f64>> {
    let n = out.pre.len();
    Ok(match value {
        Value::Scalar(x) => vec![*x; n],
        Value::Array(a) if a.len() == n_pre * n_post => {
            out.pre.iter().zip(&out.post).map(|(i, j)| a[*i as usize * n_post + *j as usize]).collect()
        }
        Value::Array(a) if a.len() == n => a.clone(),
        Value::Array(a) => {
            return Err(Error::LengthMismatch {
                object: object.to_string(),
                what: format!("array for `{name}` (one value per connection, or n_pre x n_post)"),
                expected: n,
                found: a.len(),
            });
        }
        Value::Random(d) => {
            let mut rng = rng_for(name, d);
            let rng: &mut dyn Rng = &mut rng;
            d.sample_n(rng, n)?
        }
        Value::Function(f) => out.pre.iter().zip(&out.post).map(|(i, j)| f(dist(*i as usize, *j as usize))).collect(),
        Value::Sequences(_) => {
            return Err(Error::invalid_value(object, name, format!("{value:?}"), "a number per connection"));
        }
    })
}

fn check_delays(delays: &[f64], config: &crate::backend::SimConfig, object: &str) -> Result<()> {
    let dt = config.timestep;
    let mut checked: Option<u64> = None;
    for d in delays {
        // Runs of one value (the common case) are checked once.
        if checked == Some(d.to_bits()) {
            continue;
        }
        checked = Some(d.to_bits());
        let steps = (d / dt).round();
        if !d.is_finite()
            || *d <= 0.0
            || steps < config.min_delay_steps() as f64
            || steps > config.max_delay_steps() as f64
        {
            return Err(Error::invalid_value(
                object,
                "delay",
                d,
                format!(
                    "delays must lie in [min_delay, max_delay] = [{}, {}] ms (after rounding to the {} ms time step)",
                    config.min_delay, config.max_delay, dt
                ),
            ));
        }
    }
    Ok(())
}

fn choose_receptor(
    requested: Option<&str>,
    weights: &[f64],
    info: &crate::cells::CellTypeInfo,
    object: &str,
) -> Result<Receptor> {
    let name = match requested {
        Some(r) => r,
        None => {
            if weights.iter().all(|w| *w >= 0.0) || info.conductance_based {
                info.receptors[0]
            } else {
                info.receptors.get(1).copied().unwrap_or(info.receptors[0])
            }
        }
    };
    match info.receptors.iter().position(|r| *r == name) {
        Some(index) => Ok(Receptor { index, name: info.receptors[index] }),
        None => Err(Error::unknown_name(object, "receptor type", name, info.receptors.iter().copied())),
    }
}

fn check_weights(weights: &[f64], conductance: bool, receptor: &str, object: &str) -> Result<()> {
    // PyNN 0.13 pyNN/standardmodels/base.py, check_weights: receptor names
    // known to be excitatory or inhibitory fix the sign; other receptors of
    // composed neurons (PointNeuron) only need one sign for all weights.
    let (ok, rule): (fn(f64) -> bool, &str) = if conductance {
        (|w| w >= 0.0, "conductance-based synapses need weights >= 0 (uS)")
    } else if ["inhibitory", "GABA", "GABAA", "GABAB"].contains(&receptor) {
        (|w| w <= 0.0, "current-based inhibitory synapses need weights <= 0 (PyNN's sign rule)")
    } else if ["excitatory", "AMPA", "NMDA"].contains(&receptor) || weights.iter().any(|w| *w > 0.0) {
        (|w| w >= 0.0, "current-based excitatory synapses need weights >= 0 (PyNN's sign rule)")
    } else {
        (|w| w <= 0.0, "weights of one sign (PyNN's sign rule)")
    };
    if let Some(w) = weights.iter().find(|w| !w.is_finite() || !ok(**w)) {
        let allowed = if w.is_finite() { rule.to_string() } else { format!("a finite number; {rule}") };
        return Err(Error::invalid_value(object, "weight", w, allowed));
    }
    Ok(())
}
