"""Knowledge base articles with versions and acknowledgements; training programmes, sessions, assessments and the certification that gates agent activation."""
