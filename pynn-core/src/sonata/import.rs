//! Reading a SONATA circuit into a session.
