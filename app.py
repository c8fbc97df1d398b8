"""tracegraph's Streamlit app: ``streamlit run app.py`` (see tracegraph/ui/app.py)."""

from tracegraph.ui.app import main

main()
