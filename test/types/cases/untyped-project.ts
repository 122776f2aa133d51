// Compiled by test/types/typed-project.test.ts against dist/ WITHOUT a generated file: code written for any
// project (untyped) keeps compiling, every title, attribute and option is a string, answers read untyped.
import { defineAgent, labelRow, type AnswerValue } from 'encord-agents'

export const untyped = defineAgent({
  stage: 'Any stage',
  pathways: ['anything'],
  ontology: { objects: ['Car', 'a-feature-hash'], classifications: ['Weather'] },
  deps: { row: labelRow() },
  handler({ deps: { row } }) {
    const car = row.addBoundingBox('Car', { x: 0, y: 0, w: 1, h: 1 }, { answers: { Colour: 'Red' } })
    car.setAnswer('Note', 'parked')
    car.setAnswers({ Colour: 'Blue', Tags: ['Parked'] })
    const colour: AnswerValue | undefined = car.getAnswer('Colour')
    row.objects()[0]?.setAnswer('Note', 'moved', { overwrite: true })
    row.objects({ feature: 'Car' })[0]?.setAnswer('Colour', 'Red')
    const name: string = 'Note'
    const read: AnswerValue | undefined = row.objects()[0]?.getAnswer(name, { frame: 0 })
    row.objects()[0]?.clearAnswer('Note')
    const weather = row.addClassification('Weather', { answer: 'Sunny' })
    weather.setAnswer('Rainy', { overwrite: true })
    weather.setAnswer('The moon', { attribute: 'Note' })
    const w: AnswerValue | undefined = weather.getAnswer()
    const n: AnswerValue | undefined = row.classifications({ feature: 'Weather' })[0]?.getAnswer('Note')
    const a: AnswerValue | undefined = weather.answer
    void [colour, read, w, n, a]
    return 'anything'
  },
})
