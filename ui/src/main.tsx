import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AloraProvider } from "./AloraProvider";
import { App } from "./App";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <AloraProvider>
        <App />
      </AloraProvider>
    </StrictMode>,
  );
}
