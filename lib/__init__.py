"""Domain and data layer of the programme monitor. Never imports streamlit."""
