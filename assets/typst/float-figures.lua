-- The PDF's figures float (`placement: auto`, _quarto.yml): a figure too tall for what is left of a
-- page goes to the top of the next one and the text goes on filling the page, instead of leaving it
-- half empty. Typst floats only a figure that stands in the page's flow, not one inside a block, and
-- Pandoc writes every Div as a block: the divs that lay figures out on the web (.figure-pair: two
-- side by side on a wide screen; .figure-block: a figure with its folded tools; .figure-scroll: a
-- figure that scrolls sideways on a phone) and the notebook cell an embedded figure comes in
-- (.quarto-embed-nb-cell, .cell, .cell-output-display) are dropped here, in the PDF only, after
-- Quarto's own filters have made the figure and its number from the cell (`filters: [quarto, ...]`
-- under `format: typst` in _quarto.yml). A block that prints its figure's sources under it
-- (.figure-sources) stays whole, and so does not float: the sources stay with their figure.
if not quarto.doc.is_format("typst") then
  return {}
end

local LAYOUT = {
  ["figure-pair"] = true,
  ["figure-block"] = true,
  ["figure-scroll"] = true,
  ["quarto-embed-nb-cell"] = true,
  ["cell"] = true,
  ["cell-output-display"] = true,
}

local function prints_sources(div)
  local found = false
  div:walk({
    Div = function(inner)
      if inner.classes:includes("figure-sources") then
        found = true
      end
    end,
  })
  return found
end

return {
  {
    Div = function(div)
      for _, class in ipairs(div.classes) do
        if LAYOUT[class] and not prints_sources(div) then
          return div.content
        end
      end
    end,
  },
}
