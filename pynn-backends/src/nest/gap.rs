//! Gap junctions (`ElectricalSynapse`) on NEST: `gap_junction`
//! connections, solved by NEST's waveform relaxation at its defaults
//! (`use_wfr`, `wfr_comm_interval` 1 ms, `wfr_tol` 1e-4 mV,
//! `wfr_max_iterations` 15, `wfr_interpolation_order` 3).
//!
//! `min_delay` must be at most `wfr_comm_interval` (1 ms): NEST counts a
//! gap connection as a delay of that length and refuses a longer
//! `min_delay` (`Error::Unsupported` here, before NEST's `BadDelay`).
//!
//! Only NEST's gap-capable models take them ([`translate::GAP_MODELS`]).
//! PyNN's `HH_cond_exp` maps to `hh_cond_exp_traub`, which does not; a
//! population of it that takes part in a junction before the network is
//! built runs as `hh_cond_beta_gap_traub` instead ([`translate::HH_GAP`]:
//! same membrane and channels, synaptic conductances with a 1 us rise).
//! Populations of models by name (`NestCell::NEST_MODEL`) that are
//! gap-capable take junctions as they are. Every other cell type, or an
//! `HH_cond_exp` population already built as `hh_cond_exp_traub`, is
//! `Error::Unsupported`.
//!
//! A junction `pre -> post` is sent as the two connections `pre -> post`
//! and `post -> pre` of the same conductance (NEST's `make_symmetric`,
//! written out: the array form of `Connect` ignores that flag), weights
//! uS -> nS.

use super::{Nest, NestProj, err, translate};
use crate::external::protocol::Request;
use crate::native::gap::WFR_COMM_INTERVAL;
use pynn_core::backend::{Connections, ProjId, ProjectionSpec};
use pynn_core::{Error, Result};
use serde_json::json;

/// Checks a gap-junction projection and moves `HH_cond_exp` populations
/// onto [`translate::HH_GAP`] if the network is not built yet.
pub(super) fn projection(b: &mut Nest, spec: &ProjectionSpec<'_>, c: &Connections) -> Result<NestProj> {
    // NEST counts a gap connection as a delay of `wfr_comm_interval` (1 ms)
    // and refuses it when `min_delay` is longer (`BadDelay`,
    // `nestkernel/connector_model_impl.h`; measured with NEST 3.10).
    if b.cfg.min_delay > WFR_COMM_INTERVAL * (1.0 + 1e-9) {
        return Err(Error::unsupported(
            "NEST",
            format!(
                "gap junctions (ElectricalSynapse, projection \"{}\") with min_delay = {} ms",
                spec.label, b.cfg.min_delay
            ),
            "NEST relaxes gap junctions over at most wfr_comm_interval = 1 ms: set up with min_delay <= 1 ms, \
             or use the native engine (which caps its relaxation windows at 1 ms)",
        ));
    }
    let mut pops: Vec<usize> = Vec::new();
    for g in c.pre.iter().chain(&c.post) {
        let owner = b.cells.owner(*g).ok_or_else(|| err(format!("cell {g} does not exist")))?;
        if !pops.contains(&owner) {
            pops.push(owner);
        }
    }
    for pop in &pops {
        let model = b.pops[*pop].sim.model;
        if translate::GAP_MODELS.contains(&model.nest) {
            continue;
        }
        let movable = model.pynn == "HH_cond_exp" && !b.built;
        if !movable {
            let why = if model.pynn == "HH_cond_exp" {
                "create the gap junctions before the first run (HH_cond_exp cells with junctions are built as \
                 hh_cond_beta_gap_traub), or use the native engine or NEURON"
            } else {
                "NEST supports gap junctions only between cells of its gap-capable models (hh_psc_alpha_gap, \
                 hh_cond_beta_gap_traub): use HH_cond_exp or such a model by name, or the native engine or NEURON"
            };
            return Err(Error::unsupported(
                "NEST",
                format!(
                    "gap junctions (ElectricalSynapse, projection \"{}\") on population \"{}\" ({} as {})",
                    spec.label, b.pops[*pop].label, model.pynn, model.nest
                ),
                why,
            ));
        }
    }
    for pop in pops {
        if b.pops[pop].sim.model.pynn == "HH_cond_exp" && !translate::GAP_MODELS.contains(&b.pops[pop].sim.model.nest) {
            b.pops[pop].sim.model = &translate::HH_GAP;
        }
    }
    Ok(NestProj { inhibitory: false, port: None, post_model: &translate::HH_GAP })
}

/// Sends a gap-junction projection (both directions, weights in nS).
pub(super) fn send_connect(b: &mut Nest, proj: ProjId) -> Result<()> {
    let pr = &b.projs[proj];
    let mut pre = pr.conns.pre.clone();
    let mut post = pr.conns.post.clone();
    pre.extend(&pr.conns.post);
    post.extend(&pr.conns.pre);
    let weight: Vec<f64> = pr.conns.weight.iter().chain(&pr.conns.weight).map(|w| w * 1000.0).collect();
    let d = b.driver()?;
    let (pre, post, weight) = (d.write_npy("pre", &pre)?, d.write_npy("post", &post)?, d.write_npy("weight", &weight)?);
    d.request(&Request::Connect {
        proj,
        pre,
        post,
        weight,
        delay: None,
        delay_steps: None,
        receptor_type: None,
        synapse: Some(json!({"model": "gap_junction"})),
        receptor: None,
        on_pre: None,
        weight_unit: None,
        plastic: None,
    })
    .map(drop)
}
