"""Care tickets: a categoriser for complaint texts (:mod:`.categorise`) and its agreement with
labels a person made (:mod:`.agreement`)."""
