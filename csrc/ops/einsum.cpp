// einsum: parse the equation into one label per dim, then reduce it to ops that already exist:
// diagonal views for a label repeated within an operand, sum for a label no one needs any more, and
// one broadcast matmul per pair of operands (left to right) for the rest. Gradients follow.
#include <algorithm>
#include <vector>

#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {
namespace {

// Labels 0-25 are 'A'-'Z' and 26-51 'a'-'z', so sorting labels sorts like NumPy's implicit output;
// the dims an ellipsis stands for get kLetters + i, numbered from the leftmost broadcast dim.
constexpr int kLetters = 52;
constexpr int kNoLabel = -1;

int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return kNoLabel;
}
char label_char(int label) { return label < 26 ? 'A' + label : 'a' + (label - 26); }

// One side of the equation: its letters in order and where "..." sat among them (-1: nowhere).
struct Term {
  std::vector<int> letters;
  int ellipsis = -1;
};

// Parses one term from eq[begin, end); `who` names it in errors ("operand 0", "output").
Term parse_term(const std::string& eq, size_t begin, size_t end, const std::string& who) {
  Term term;
  for (size_t i = begin; i < end; ++i) {
    const char c = eq[i];
    if (c == ' ') continue;
    if (c == '.') {
      EMBER_CHECK(term.ellipsis < 0, "einsum(): found '.' for ", who, " for which an ellipsis was already found");
      EMBER_CHECK(i + 2 < end && eq[i + 1] == '.' && eq[i + 2] == '.', "einsum(): found '.' for ", who,
                  " that is not part of any ellipsis");
      term.ellipsis = term.letters.size();
      i += 2;
      continue;
    }
    const int label = letter_label(c);
    EMBER_CHECK(label != kNoLabel, "einsum(): invalid subscript given at index ", i,
                " in the equation string, subscripts must be in [a-zA-Z]");
    term.letters.push_back(label);
  }
  return term;
}

// The labels of each dim of an operand with `ndim` dims; its ellipsis covers the dims it does not
// name, right-aligned against the widest ellipsis (`ell_ndim` dims).
std::vector<int> dim_labels(const Term& term, int ndim, int ell_ndim) {
  std::vector<int> labels(term.letters.begin(), term.letters.end());
  if (term.ellipsis >= 0) {
    const int covered = ndim - static_cast<int>(term.letters.size());
    std::vector<int> ell;
    for (int j = 0; j < covered; ++j) ell.push_back(kLetters + ell_ndim - covered + j);
    labels.insert(labels.begin() + term.ellipsis, ell.begin(), ell.end());
  }
  return labels;
}

struct Operand {
  Tensor t;
  std::vector<int> labels;  // one per dim
};

int find(const std::vector<int>& v, int x) {
  auto it = std::find(v.begin(), v.end(), x);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

// Takes the diagonal of every label repeated within the operand ('ii->i').
void take_diagonals(Operand& op) {
  for (size_t i = 0; i < op.labels.size(); ++i) {
    for (size_t j = i + 1; j < op.labels.size(); ++j) {
      if (op.labels[i] != op.labels[j]) continue;
      const int label = op.labels[i];
      op.t = diagonal(op.t, 0, i, j);  // drops dims i and j, appends the diagonal
      op.labels.erase(op.labels.begin() + j);
      op.labels.erase(op.labels.begin() + i);
      op.labels.push_back(label);
      take_diagonals(op);
      return;
    }
  }
}

// Sums away the operand's dims whose label is not in `needed`.
void sum_unneeded(Operand& op, const std::vector<bool>& needed) {
  Shape dims;
  std::vector<int> kept;
  for (size_t i = 0; i < op.labels.size(); ++i) {
    if (needed[op.labels[i]]) kept.push_back(op.labels[i]);
    else dims.push_back(i);
  }
  if (dims.empty()) return;
  op.t = sum(op.t, dims);
  op.labels = kept;
}

// Contracts two operands whose every label is needed afterwards or shared: shared labels still
// needed are batch dims, shared labels not needed are contracted; a @ b over the flattened groups.
Operand contract(Operand a, Operand b, const std::vector<bool>& needed) {
  std::vector<int> batch, left, inner, right;
  for (int l : a.labels) {
    const int j = find(b.labels, l);
    if (j < 0) {
      left.push_back(l);
    } else if (needed[l]) {
      batch.push_back(l);
    } else {
      inner.push_back(l);
      // A size-1 (broadcast) contracted dim multiplies the other side's sum over that dim.
      const int i = find(a.labels, l);
      if (a.t.size(i) == 1 && b.t.size(j) != 1) b.t = sum(b.t, {j}, true);
      if (b.t.size(j) == 1 && a.t.size(i) != 1) a.t = sum(a.t, {i}, true);
    }
  }
  for (int l : b.labels)
    if (find(a.labels, l) < 0) right.push_back(l);
  // Batch dims stay separate (they may broadcast); each other group becomes one dim.
  auto arrange = [](const Operand& op, std::initializer_list<const std::vector<int>*> groups) {
    Shape perm, shape;
    bool first = true;
    for (const std::vector<int>* group : groups) {
      int64_t n = 1;
      for (int l : *group) {
        const int d = find(op.labels, l);
        perm.push_back(d);
        if (first) shape.push_back(op.t.size(d));
        n *= op.t.size(d);
      }
      if (!first) shape.push_back(n);
      first = false;
    }
    return reshape(permute(op.t, perm), shape);
  };
  Tensor prod = matmul(arrange(a, {&batch, &left, &inner}), arrange(b, {&batch, &inner, &right}));
  Shape shape;
  for (size_t i = 0; i < batch.size(); ++i) shape.push_back(prod.size(i));
  for (int l : left) shape.push_back(a.t.size(find(a.labels, l)));
  for (int l : right) shape.push_back(b.t.size(find(b.labels, l)));
  std::vector<int> labels = batch;
  labels.insert(labels.end(), left.begin(), left.end());
  labels.insert(labels.end(), right.begin(), right.end());
  return {reshape(prod, shape), labels};
}

}  // namespace

Tensor einsum(const std::string& eq, const TensorList& operands) {
  EMBER_CHECK(!operands.empty(), "einsum(): must provide at least one operand");
  const size_t arrow = eq.find("->");
  const size_t lhs_end = arrow == std::string::npos ? eq.size() : arrow;
  std::vector<Term> terms;
  for (size_t begin = 0;;) {
    const size_t comma = std::min(eq.find(',', begin), lhs_end);
    terms.push_back(parse_term(eq, begin, comma, "operand " + std::to_string(terms.size())));
    if (comma == lhs_end) break;
    begin = comma + 1;
  }
  EMBER_CHECK(terms.size() >= operands.size(), "einsum(): more operands were provided than specified in the equation");
  EMBER_CHECK(terms.size() <= operands.size(), "einsum(): fewer operands were provided than specified in the equation");

  int ell_ndim = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    const int n = terms[i].letters.size(), ndim = operands[i].dim();
    if (terms[i].ellipsis < 0) {
      EMBER_CHECK(n == ndim, "einsum(): the number of subscripts in the equation (", n,
                  ") does not match the number of dimensions (", ndim, ") for operand ", i,
                  " and no ellipsis was given");
    } else {
      EMBER_CHECK(n <= ndim, "einsum(): the number of subscripts in the equation (", n,
                  ") is more than the number of dimensions (", ndim, ") for operand ", i);
      ell_ndim = std::max(ell_ndim, ndim - n);
    }
    EMBER_CHECK(operands[i].dtype() == operands[0].dtype(), "expected scalar type ",
                scalar_type_name(operands[0].dtype()), " but found ", scalar_type_name(operands[i].dtype()));
  }

  // Every label's size (size-1 dims broadcast) and how many operands name it.
  std::vector<Operand> ops;
  std::vector<int64_t> size(kLetters + ell_ndim, -1);
  std::vector<int> count(kLetters + ell_ndim, 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    Operand op{operands[i], dim_labels(terms[i], operands[i].dim(), ell_ndim)};
    for (size_t d = 0; d < op.labels.size(); ++d) {
      const int l = op.labels[d];
      const int64_t s = op.t.size(d);
      EMBER_CHECK(size[l] < 0 || size[l] == s || size[l] == 1 || s == 1, "einsum(): subscript ",
                  l < kLetters ? std::string(1, label_char(l)) : std::string("..."), " has size ", s,
                  " for operand ", i, " which does not broadcast with previously seen size ", size[l]);
      if (size[l] <= 1) size[l] = s;
      ++count[l];
    }
    ops.push_back(std::move(op));
  }

  std::vector<int> output;
  if (arrow == std::string::npos) {  // implicit: the ellipsis, then letters named exactly once
    for (int j = 0; j < ell_ndim; ++j) output.push_back(kLetters + j);
    for (int l = 0; l < kLetters; ++l) {
      int total = 0;
      for (const Term& t : terms) total += std::count(t.letters.begin(), t.letters.end(), l);
      if (total == 1) output.push_back(l);
    }
  } else {
    Term out = parse_term(eq, arrow + 2, eq.size(), "output");
    for (size_t k = 0; k <= out.letters.size(); ++k) {
      if (static_cast<int>(k) == out.ellipsis)
        for (int j = 0; j < ell_ndim; ++j) output.push_back(kLetters + j);
      if (k == out.letters.size()) break;
      const int l = out.letters[k];
      EMBER_CHECK(count[l] > 0, "einsum(): output subscript ", label_char(l),
                  " does not appear in the equation for any input operand");
      EMBER_CHECK(find(output, l) < 0, "einsum(): output subscript ", label_char(l),
                  " appears more than once in the output");
      output.push_back(l);
    }
  }

  // needed_after[i]: labels that operands after i or the output still use.
  std::vector<std::vector<bool>> needed_after(ops.size(), std::vector<bool>(size.size(), false));
  for (int l : output) needed_after.back()[l] = true;
  for (int i = static_cast<int>(ops.size()) - 2; i >= 0; --i) {
    needed_after[i] = needed_after[i + 1];
    for (int l : ops[i + 1].labels) needed_after[i][l] = true;
  }
  for (Operand& op : ops) take_diagonals(op);
  // The first operand keeps what operand 1 onwards or the output use.
  Operand acc = ops[0];
  sum_unneeded(acc, needed_after[0]);
  for (size_t i = 1; i < ops.size(); ++i) {
    std::vector<bool> here = needed_after[i];
    for (int l : acc.labels) here[l] = true;
    sum_unneeded(ops[i], here);  // labels only operand i has and nobody needs
    acc = contract(acc, ops[i], needed_after[i]);
  }
  Shape perm;
  for (int l : output) perm.push_back(find(acc.labels, l));
  return permute(acc.t, perm);
}

}  // namespace ember
