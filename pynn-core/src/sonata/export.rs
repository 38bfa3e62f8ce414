//! Writing a session as a SONATA circuit, simulation config and outputs.
