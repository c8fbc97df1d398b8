"""The Streamlit app (the edge of the package: the domain core never imports this)."""
