"""Standards-based experience scoring: the ITU-T E-model for voice and published QoE laws.

- ``cxbridge.models.experience.emodel`` — ITU-T G.107 (narrowband) and G.107.1 (wideband) E-model,
the
  R → MOS-CQE mapping, G.109 categories and the monitoring path (RTT, jitter, loss, codec → R).
- ``cxbridge.models.experience.laws`` — small vectorised laws that turn measurements into 0–100
scores
  (data, video, accessibility, retainability, availability, voice).

Everything here is pure computation: no I/O, no database, no state.
"""
