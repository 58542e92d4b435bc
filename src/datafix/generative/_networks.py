"""The two conditional generators, on torch: a CTGAN-style GAN and a TVAE-style VAE.

Written for datafix from the papers (no code from the CTGAN / SDV projects,
which are under the Business Source License):

* Xu, Skoularidou, Cuesta-Infante, Veeramachaneni (2019), "Modeling Tabular
  Data using Conditional GAN", NeurIPS - mode-specific normalisation, the
  conditional vector with training-by-sampling, a PacGAN critic with the
  WGAN gradient penalty (Gulrajani et al., 2017), and TVAE;
* Kingma and Welling (2014), "Auto-Encoding Variational Bayes"; Sohn, Lee and
  Yan (2015), "Learning Structured Output Representation using Deep
  Conditional Generative Models" (the conditional VAE).

Both are conditioned on the **class** (a one-hot given to every network), so
one model learns from the rows of every class and a class with a dozen rows
borrows the structure of the others. The GAN is further conditioned, as in
CTGAN, on one value of one categorical column per row, drawn from real rows
of the row's class.

This module imports torch; :mod:`datafix.generative` imports it only when a
generator is fitted.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from .._progress import Progress
from ._transformer import TableTransformer

__all__ = ["ConditionalGAN", "ConditionalVAE", "RowSampler", "Activation"]


class RowSampler:
    """Draws training rows: a class with probability proportional to ``log(1 + rows)``, then a row of it.

    Rows are drawn in proportion to their sample weight within their class.
    The log frequency is CTGAN's training-by-sampling applied to the class:
    a minority class is seen far more often than its share, yet not as often
    as the majority.
    """

    def __init__(self, codes: np.ndarray, n_classes: int, weights: np.ndarray | None):
        self.n_classes = n_classes
        order = np.argsort(codes, kind="stable")
        self.order = order
        counts = np.bincount(codes, minlength=n_classes)
        self.starts = np.r_[0, np.cumsum(counts)[:-1]]
        self.counts = counts
        row_weights = np.ones(len(codes)) if weights is None else np.asarray(weights, dtype=np.float64)
        cumulative = np.zeros(len(codes))
        for k in range(n_classes):  # a loop over classes, not rows
            block = slice(self.starts[k], self.starts[k] + counts[k])
            class_weights = row_weights[order[block]] + 1e-12
            cumulative[block] = np.cumsum(class_weights) / class_weights.sum()
        self.cumulative = cumulative
        class_probability = np.log1p(counts).astype(np.float64)
        self.class_probability = class_probability / class_probability.sum()

    def rows_of(self, classes: np.ndarray, rng) -> np.ndarray:
        """One row position per requested class, drawn by weight within the class."""
        draws = rng.random(len(classes))
        positions = np.empty(len(classes), dtype=np.intp)
        for k in np.unique(classes):
            where = classes == k
            block = self.cumulative[self.starts[k]:self.starts[k] + self.counts[k]]
            inside = np.minimum(np.searchsorted(block, draws[where]), self.counts[k] - 1)
            positions[where] = self.order[self.starts[k] + inside]
        return positions

    def batch(self, size: int, rng):
        classes = rng.choice(self.n_classes, size=size, p=self.class_probability)
        return classes, self.rows_of(classes, rng)


class Activation:
    """tanh on value blocks, (Gumbel-)softmax on every other block, all blocks at once.

    The softmax blocks are gathered into one padded ``(rows, blocks, widest)``
    tensor (padding at ``-inf``), so one softmax serves every block whatever
    the number of columns.
    """

    def __init__(self, transformer: TableTransformer, device):
        spans = [span for span in transformer.spans_ if span.activation == "softmax"]
        width = transformer.width_
        self.tanh_columns = torch.as_tensor(
            [span.start for span in transformer.spans_ if span.activation == "tanh"], dtype=torch.long, device=device)
        widest = max((span.width for span in spans), default=1)
        index = np.full((len(spans), widest), width, dtype=np.int64)  # ``width`` points at a padding column
        for row, span in enumerate(spans):
            index[row, :span.width] = np.arange(span.start, span.start + span.width)
        self.index = torch.as_tensor(index, device=device)
        self.valid = self.index < width
        self.columns = self.index[self.valid]
        self.width = width

    def __call__(self, raw: torch.Tensor, gumbel_tau: float | None) -> torch.Tensor:
        output = torch.empty_like(raw)
        if len(self.tanh_columns):
            output[:, self.tanh_columns] = torch.tanh(raw[:, self.tanh_columns])
        if len(self.columns):
            padded = torch.cat([raw, raw.new_full((raw.shape[0], 1), float("-inf"))], dim=1)[:, self.index]
            if gumbel_tau is not None:
                noise = -torch.empty_like(padded).exponential_().log()
                padded = (padded + noise) / gumbel_tau
            output[:, self.columns] = torch.softmax(padded, dim=2)[:, self.valid]
        return output

    def cross_entropy(self, raw: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Summed cross-entropy of every softmax block of ``raw`` against the one-hots of ``real``."""
        if not len(self.columns):
            return raw.new_zeros(())
        padded = torch.cat([raw, raw.new_full((raw.shape[0], 1), float("-inf"))], dim=1)[:, self.index]
        log_probabilities = torch.log_softmax(padded, dim=2)
        target = torch.cat([real, real.new_zeros((real.shape[0], 1))], dim=1)[:, self.index].argmax(dim=2)
        return -log_probabilities.gather(2, target.unsqueeze(2)).sum()


class _Residual(nn.Module):
    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.norm = nn.BatchNorm1d(n_out)

    def forward(self, inputs):
        return torch.cat([functional.relu(self.norm(self.linear(inputs))), inputs], dim=1)


class _Generator(nn.Module):
    def __init__(self, n_in: int, hidden: tuple, n_out: int):
        super().__init__()
        layers, width = [], n_in
        for size in hidden:
            layers.append(_Residual(width, size))
            width += size
        layers.append(nn.Linear(width, n_out))
        self.body = nn.Sequential(*layers)

    def forward(self, inputs):
        return self.body(inputs)


class _Critic(nn.Module):
    def __init__(self, n_in: int, hidden: tuple, pac: int):
        super().__init__()
        self.pac = pac
        layers, width = [], n_in * pac
        for size in hidden:
            layers += [nn.Linear(width, size), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, inputs):
        return self.body(inputs.reshape(-1, inputs.shape[1] * self.pac))


class _Base:
    """What both generators share: the class one-hot, the row sampler, sampling in chunks."""

    def __init__(self, transformer, n_classes, *, epochs, batch_size, device, rng, verbose):
        self.transformer = transformer
        self.n_classes = n_classes
        self.epochs = epochs
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.rng = rng
        self.verbose = verbose
        self.loss_history = []

    def _class_onehot(self, classes: np.ndarray) -> torch.Tensor:
        onehot = torch.zeros(len(classes), self.n_classes, device=self.device)
        onehot[torch.arange(len(classes)), torch.as_tensor(classes, device=self.device)] = 1.0
        return onehot

    def sample(self, class_code: int, n_rows: int, rng):
        """``n_rows`` decoded rows of one class, generated ``batch_size`` rows at a time."""
        chunks = []
        for start in range(0, n_rows, self.batch_size):
            size = min(self.batch_size, n_rows - start)
            chunks.append(self._sample_matrix(class_code, size, rng))
        matrix = np.concatenate(chunks) if chunks else np.zeros((0, self.transformer.width_), np.float32)
        return self.transformer.inverse_transform(matrix, rng, sigmas=self._sigmas())

    def _sigmas(self):
        return None


class ConditionalGAN(_Base):
    """A CTGAN-style conditional Wasserstein GAN with gradient penalty and a PacGAN critic."""

    noise_dim = 128
    hidden = (256, 256)
    pac = 10
    gradient_penalty = 10.0
    gumbel_tau = 0.2

    def _conditions(self, classes: np.ndarray, rows: np.ndarray, rng):
        """Class one-hot plus CTGAN's conditional vector: one categorical column's value of the drawn row."""
        spans = self.transformer.conditional_spans_
        parts = [self._class_onehot(classes)]
        chosen = None
        if spans:
            n_rows = len(classes)
            chosen = rng.integers(len(spans), size=n_rows)
            widths = np.array([span.width for span in spans])
            offsets = np.r_[0, np.cumsum(widths)[:-1]]
            categories = np.empty(n_rows, dtype=np.intp)
            for j, span in enumerate(spans):  # a loop over columns, not rows
                where = chosen == j
                block = self.data_np[rows[where], span.start:span.start + span.width]
                categories[where] = np.argmax(block, axis=1)
            vector = np.zeros((n_rows, widths.sum()), dtype=np.float32)
            vector[np.arange(n_rows), offsets[chosen] + categories] = 1.0
            parts.append(torch.as_tensor(vector, device=self.device))
            chosen = (chosen, categories)
        return torch.cat(parts, dim=1), chosen

    def _condition_loss(self, raw: torch.Tensor, chosen) -> torch.Tensor:
        if chosen is None:
            return torch.zeros((), device=self.device)
        columns, categories = chosen
        losses = []
        for j, span in enumerate(self.transformer.conditional_spans_):
            where = np.flatnonzero(columns == j)
            if len(where):
                logits = raw[torch.as_tensor(where, device=self.device), span.start:span.start + span.width]
                target = torch.as_tensor(categories[where], device=self.device)
                losses.append(functional.cross_entropy(logits, target, reduction="sum"))
        return torch.stack(losses).sum() / len(columns)

    def fit(self, data: np.ndarray, codes: np.ndarray, weights) -> "ConditionalGAN":
        rng = self.rng
        self.data_np = data
        data_tensor = torch.as_tensor(data, device=self.device)
        sampler = RowSampler(codes, self.n_classes, weights)
        condition_width = self.n_classes + sum(span.width for span in self.transformer.conditional_spans_)
        self.condition_width = condition_width
        width = self.transformer.width_
        self.generator = _Generator(self.noise_dim + condition_width, self.hidden, width).to(self.device)
        critic = _Critic(width + condition_width, self.hidden, self.pac).to(self.device)
        generator_optimizer = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.9),
                                               weight_decay=1e-6)
        critic_optimizer = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.9), weight_decay=1e-6)
        batch = self.batch_size
        steps_per_epoch = max(1, int(np.ceil(len(data) / batch)))
        progress = Progress(self.epochs, enabled=self.verbose, label="GenerativeOverSampler(ctgan)", unit="epoch")
        activate = Activation(self.transformer, self.device)
        for epoch in range(self.epochs):
            for _ in range(steps_per_epoch):
                classes, rows = sampler.batch(batch, rng)
                condition, chosen = self._conditions(classes, rows, rng)
                real = data_tensor[torch.as_tensor(rows, device=self.device)]
                noise = torch.randn(batch, self.noise_dim, device=self.device)
                fake = activate(self.generator(torch.cat([noise, condition], dim=1)), self.gumbel_tau)
                real_in = torch.cat([real, condition], dim=1)
                fake_in = torch.cat([fake, condition], dim=1)
                critic_loss = critic(fake_in.detach()).mean() - critic(real_in).mean()
                critic_loss = critic_loss + self._penalty(critic, real_in, fake_in.detach())
                critic_optimizer.zero_grad(set_to_none=True)
                critic_loss.backward()
                critic_optimizer.step()

                noise = torch.randn(batch, self.noise_dim, device=self.device)
                raw = self.generator(torch.cat([noise, condition], dim=1))
                fake = activate(raw, self.gumbel_tau)
                generator_loss = -critic(torch.cat([fake, condition], dim=1)).mean()
                generator_loss = generator_loss + self._condition_loss(raw, chosen)
                generator_optimizer.zero_grad(set_to_none=True)
                generator_loss.backward()
                generator_optimizer.step()
            self.loss_history.append((critic_loss.item(), generator_loss.item()))
            progress.advance(1, f"critic {critic_loss.item():.3f}, generator {generator_loss.item():.3f}")
        progress.close()
        self.generator.eval()
        self.sampler = sampler
        return self

    def _penalty(self, critic, real, fake):
        mix = torch.rand(real.shape[0] // self.pac, 1, 1, device=self.device)
        mix = mix.repeat(1, self.pac, real.shape[1]).reshape(-1, real.shape[1])
        between = (mix * real + (1 - mix) * fake).requires_grad_(True)
        gradients = torch.autograd.grad(critic(between).sum(), between, create_graph=True)[0]
        norms = gradients.reshape(-1, self.pac * real.shape[1]).norm(2, dim=1)
        return self.gradient_penalty * ((norms - 1) ** 2).mean()

    @torch.no_grad()
    def _sample_matrix(self, class_code: int, n_rows: int, rng) -> np.ndarray:
        classes = np.full(n_rows, class_code, dtype=np.intp)
        rows = self.sampler.rows_of(classes, rng)
        condition, _ = self._conditions(classes, rows, rng)
        noise = torch.randn(n_rows, self.noise_dim, device=self.device)
        raw = self.generator(torch.cat([noise, condition], dim=1))
        return Activation(self.transformer, self.device)(raw, self.gumbel_tau).cpu().numpy()


class ConditionalVAE(_Base):
    """A TVAE-style conditional variational autoencoder (class one-hot into encoder and decoder)."""

    latent_dim = 128
    hidden = (128, 128)
    loss_factor = 2.0

    def fit(self, data: np.ndarray, codes: np.ndarray, weights) -> "ConditionalVAE":
        rng = self.rng
        width = self.transformer.width_
        data_tensor = torch.as_tensor(data, device=self.device)
        sampler = RowSampler(codes, self.n_classes, weights)
        encoder_layers, size = [], width + self.n_classes
        for hidden in self.hidden:
            encoder_layers += [nn.Linear(size, hidden), nn.ReLU()]
            size = hidden
        self.encoder = nn.Sequential(*encoder_layers).to(self.device)
        self.to_mean = nn.Linear(size, self.latent_dim).to(self.device)
        self.to_log_var = nn.Linear(size, self.latent_dim).to(self.device)
        decoder_layers, size = [], self.latent_dim + self.n_classes
        for hidden in reversed(self.hidden):
            decoder_layers += [nn.Linear(size, hidden), nn.ReLU()]
            size = hidden
        decoder_layers.append(nn.Linear(size, width))
        self.decoder = nn.Sequential(*decoder_layers).to(self.device)
        self.log_sigma = nn.Parameter(torch.full((width,), np.log(0.1), device=self.device))
        parameters = [*self.encoder.parameters(), *self.to_mean.parameters(), *self.to_log_var.parameters(),
                      *self.decoder.parameters(), self.log_sigma]
        optimizer = torch.optim.Adam(parameters, lr=1e-3, weight_decay=1e-5)
        batch = self.batch_size
        steps_per_epoch = max(1, int(np.ceil(len(data) / batch)))
        progress = Progress(self.epochs, enabled=self.verbose, label="GenerativeOverSampler(tvae)", unit="epoch")
        value_columns = [span.start for span in self.transformer.spans_ if span.activation == "tanh"]
        value_index = torch.as_tensor(value_columns, dtype=torch.long, device=self.device)
        activate = Activation(self.transformer, self.device)
        for epoch in range(self.epochs):
            for _ in range(steps_per_epoch):
                classes, rows = sampler.batch(batch, rng)
                onehot = self._class_onehot(classes)
                real = data_tensor[torch.as_tensor(rows, device=self.device)]
                hidden = self.encoder(torch.cat([real, onehot], dim=1))
                mean, log_var = self.to_mean(hidden), self.to_log_var(hidden)
                latent = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
                raw = self.decoder(torch.cat([latent, onehot], dim=1))
                loss = torch.zeros((), device=self.device)
                if len(value_columns):
                    sigma = torch.exp(self.log_sigma[value_index])
                    error = torch.tanh(raw[:, value_index]) - real[:, value_index]
                    loss = loss + ((error ** 2) / (2 * sigma ** 2)).sum() + len(classes) * torch.log(sigma).sum()
                loss = loss + activate.cross_entropy(raw, real)
                kl = -0.5 * torch.sum(1 + log_var - mean ** 2 - log_var.exp())
                loss = (self.loss_factor * loss + kl) / len(classes)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    self.log_sigma.clamp_(np.log(0.01), np.log(1.0))
            self.loss_history.append(loss.item())
            progress.advance(1, f"loss {loss.item():.3f}")
        progress.close()
        self.decoder.eval()
        return self

    def _sigmas(self):
        return torch.exp(self.log_sigma).detach().cpu().numpy().astype(np.float64)

    @torch.no_grad()
    def _sample_matrix(self, class_code: int, n_rows: int, rng) -> np.ndarray:
        onehot = self._class_onehot(np.full(n_rows, class_code, dtype=np.intp))
        latent = torch.randn(n_rows, self.latent_dim, device=self.device)
        raw = self.decoder(torch.cat([latent, onehot], dim=1))
        return Activation(self.transformer, self.device)(raw, None).cpu().numpy()
